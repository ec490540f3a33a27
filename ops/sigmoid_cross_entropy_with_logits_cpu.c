/* The float32 CPU kernels of sigmoid_cross_entropy_with_logits and its gradient, each one
 * pass over memory (the formula is in sigmoid_cross_entropy_with_logits.py). Built, when a C
 * compiler is there, as the optional library _sigmoid_cross_entropy_with_logits_cpu (setup.py)
 * and called through ctypes; without it the numpy kernels run.
 *
 * exp and log1p are written out below, without branches or calls, so that the compiler can
 * vectorise the loops (libm's are not); -fno-trapping-math lets it if-convert the selects.
 * Their relative error is about 1 ulp each; the results are within a few ulps of float64's.
 * Each function returns nonzero when any result is not finite (an infinite or NaN input, or
 * an overflow): the caller then computes those elements again the numpy way, which has the
 * rules for infinities and the overflow warning. */
#include <float.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif
#ifdef _MSC_VER
#define restrict __restrict
#define EXPORT __declspec(dllexport)
#else
#define EXPORT
#endif

/* exp(t) for t <= 0; 0 from t = -104 on (below half the least subnormal). exp(t) = 2^k e^r
 * with k = round(t / ln 2), r = t - k ln 2 (ln 2 in two parts, so k ln2_hi is exact), e^r
 * by its Taylor polynomial (|r| <= ln(2)/2: the 8th term is 3e-9 of the result), and 2^k
 * in two factors 2^(k/2) so that each is a normal float when e^t is subnormal. */
static inline float exp_nonpos(float t)
{
    const float shift = 0x1.8p23f; /* adding it rounds to an integer, kept in the low bits */
    t = t < -104.0f ? -104.0f : t;
    float kf = t * 1.44269504f + shift;
    int32_t bits;
    memcpy(&bits, &kf, 4);
    kf -= shift;
    float r = (t - kf * 0.693359375f) - kf * -2.12194440e-4f;
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t k = bits - 0x00c00000, k1 = k >> 1, k2 = k - k1;
    int32_t b1 = (k1 + 127) << 23, b2 = (k2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, 4);
    memcpy(&s2, &b2, 4);
    return p * s1 * s2;
}

/* log1p(e) for e in [0, 1], as 2 atanh(s), s = e / (2 + e) <= 1/3: 2 s (1 + s^2/3 + ...),
 * whose 8th term is 1e-8 of the result; relatively accurate down to the least e. */
static inline float log1p_unit(float e)
{
    float s = e / (2.0f + e), w = s * s;
    float p = 1.0f / 13;
    p = p * w + 1.0f / 11;
    p = p * w + 1.0f / 9;
    p = p * w + 1.0f / 7;
    p = p * w + 1.0f / 5;
    p = p * w + 1.0f / 3;
    p = p * w + 1.0f;
    return 2.0f * s * p;
}

/* The loss as lw log1p(exp(-|x|)) + |x| c, c = 1 - z for x >= 0 and pw z below: terms of
 * one sign for z in [0, 1] and pw >= 0, so a small loss keeps its relative accuracy. */
static inline float loss1(float x, float z, float pw, float scale, int drop)
{
    float ax = x < 0 ? -x : x;
    float c = x >= 0 ? 1.0f - z : z * pw;
    float lw = 1.0f + (pw - 1.0f) * z;
    float v = lw * log1p_unit(exp_nonpos(-ax)) + (c == 0.0f ? 0.0f : ax * c);
    return drop ? 0.0f : v * scale;
}

/* The gradient, lw sigmoid(x) - pw z, with q = sigmoid(-|x|) = e / (1 + e), e = exp(-|x|):
 * (1 - z) - lw q for x >= 0, lw q - pw z below; a small one keeps its relative accuracy
 * when its terms do not cancel (z = 0 or 1, say). */
static inline float grad1(float x, float z, float pw, float dout, float scale, int drop)
{
    float e = exp_nonpos(x < 0 ? x : -x);
    float q = e / (1.0f + e);
    float lw = 1.0f + (pw - 1.0f) * z;
    float g = x >= 0 ? (1.0f - z) - lw * q : lw * q - pw * z;
    return drop ? 0.0f : g * dout * scale;
}

#define FINITE(v) ((v) <= FLT_MAX && (v) >= -FLT_MAX)

/* out[i] = loss * scale, 0 where use_ign and z[i] == ign; pw null means 1 everywhere. */
CLONES EXPORT int sce_loss_f32(int64_t n, const float *restrict x, const float *restrict z,
                               const float *restrict pw, float *restrict out, int use_ign,
                               float ign, float scale)
{
    int bad = 0;
    if (pw) {
        for (int64_t i = 0; i < n; i++) {
            out[i] = loss1(x[i], z[i], pw[i], scale, use_ign & (z[i] == ign));
            bad |= !FINITE(out[i]);
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            out[i] = loss1(x[i], z[i], 1.0f, scale, use_ign & (z[i] == ign));
            bad |= !FINITE(out[i]);
        }
    }
    return bad;
}

/* dx[i] = gradient * dout[i * dstride] * scale (dstride 0: one dOut for all), 0 where
 * ignored. The four loops let the compiler drop what is constant in each. */
CLONES EXPORT int sce_grad_f32(int64_t n, const float *restrict x, const float *restrict z,
                               const float *restrict pw, const float *restrict dout,
                               int64_t dstride, float *restrict dx, int use_ign, float ign,
                               float scale)
{
    int bad = 0;
#define LOOP(PW, D)                                                                     \
    for (int64_t i = 0; i < n; i++) {                                                   \
        dx[i] = grad1(x[i], z[i], PW, D, scale, use_ign & (z[i] == ign));               \
        bad |= !FINITE(dx[i]);                                                          \
    }
    if (pw && dstride)
        LOOP(pw[i], dout[i])
    else if (pw)
        LOOP(pw[i], dout[0])
    else if (dstride)
        LOOP(1.0f, dout[i])
    else
        LOOP(1.0f, dout[0])
#undef LOOP
    return bad;
}
