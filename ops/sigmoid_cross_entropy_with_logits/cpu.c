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

/* One copy of each function per instruction set, picked when the library loads (glibc's
 * ifunc; musl has none). The AVX-512 copy contracts a * b + c into FMAs, and a loop's
 * remainder may round differently from its vector body: results can differ by an ulp or so
 * between machines, and with an element's place in the array (-ffp-contract=off would
 * make them equal, at 30% of the speed). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
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
 * = 1 + r + r^2 q(r) with q fitted (relative error 3e-9 on |r| <= ln(2)/2), and 2^k as
 * 2^(k + 64) 2^-64, so that a subnormal result is rounded once. */
static inline float exp_nonpos(float t)
{
    const float shift = 0x1.8p23f; /* adding it rounds to an integer, kept in the low bits */
    int32_t bits;
    t = t < -104.0f ? -104.0f : t;
    float kf = t * 1.44269504f + shift;
    memcpy(&bits, &kf, 4);
    kf -= shift;
    float r = (t - kf * 0.693359375f) - kf * -2.12194440e-4f;
    float p = 0.00138146128f;
    p = p * r + 0.00836871006f;
    p = p * r + 0.0416683890f;
    p = p * r + 0.166665211f;
    p = p * r + 0.499999940f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t b = (uint32_t)(bits - 0x4b400000 + 127 + 64) << 23; /* k >= -150: normal */
    float scale;
    memcpy(&scale, &b, 4);
    return p * scale * 0x1p-64f;
}

/* log1p(e) for e in [0, 1], as 2 atanh(s), s = e / (2 + e) <= 1/3: 2 s (1 + w q(w)), w = s^2,
 * q fitted (relative error 4e-9); relatively accurate down to the least subnormal e. */
static inline float log1p_unit(float e)
{
    float s = e / (2.0f + e), w = s * s;
    float p = 0.140059933f;
    p = p * w + 0.140009031f;
    p = p * w + 0.200107634f;
    p = p * w + 0.333332092f;
    p = p * w + 1.0f;
    return 2.0f * s * p;
}

/* The loss as lw log1p(exp(-|x|)) + |x| c, c = 1 - z for x >= 0 and pw z below: terms of
 * one sign for z in [0, 1] and pw >= 0, so a small loss keeps its relative accuracy.
 * `weighted` is a constant in each loop: without PosWeight lw is 1, with no work for it. */
static inline float loss1(float x, float z, float pw, float scale, int drop, const int weighted)
{
    float ax = x < 0 ? -x : x;
    float c = x >= 0 ? 1.0f - z : z * pw;
    float lw = weighted ? 1.0f + (pw - 1.0f) * z : 1.0f;
    float v = lw * log1p_unit(exp_nonpos(-ax)) + (c == 0.0f ? 0.0f : ax * c);
    return drop ? 0.0f : v * scale;
}

/* The gradient, lw sigmoid(x) - pw z, with q = sigmoid(-|x|) = e / (1 + e), e = exp(-|x|):
 * (1 - z) - lw q for x >= 0, lw q - pw z below; a small one keeps its relative accuracy
 * when its terms do not cancel (z = 0 or 1, say). */
static inline float grad1(float x, float z, float pw, float dout, float scale, int drop,
                          const int weighted)
{
    float e = exp_nonpos(x < 0 ? x : -x);
    float q = e / (1.0f + e);
    float lw = weighted ? 1.0f + (pw - 1.0f) * z : 1.0f;
    float g = x >= 0 ? (1.0f - z) - lw * q : lw * q - pw * z;
    return drop ? 0.0f : g * (dout * scale); /* one factor, when dOut is one value */
}

/* Raise it when a function's signature changes (see kernels.native_library). */
EXPORT int minifluid_abi(void) { return 1; }

/* 0 for a finite v (v - v is 0), a NaN's bits otherwise: OR-ed over a loop, they say whether
 * any result was not finite, at less cost than comparisons. */
static inline uint32_t nonfinite(float v)
{
    float d = v - v;
    uint32_t u;
    memcpy(&u, &d, 4);
    return u;
}

/* out[i] = loss * scale, 0 where z[i] == ign (a NaN ign: nowhere); pw null means 1. */
CLONES EXPORT int sce_loss_f32(int64_t n, const float *restrict x, const float *restrict z,
                               const float *restrict pw, float *restrict out, float ign,
                               float scale)
{
    uint32_t bad = 0;
    if (pw) {
        for (int64_t i = 0; i < n; i++) {
            float v = loss1(x[i], z[i], pw[i], scale, z[i] == ign, 1);
            out[i] = v;
            bad |= nonfinite(v);
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            float v = loss1(x[i], z[i], 1.0f, scale, z[i] == ign, 0);
            out[i] = v;
            bad |= nonfinite(v);
        }
    }
    return bad != 0;
}

/* dx[i] = gradient * dout[i * dstride] * scale (dstride 0: one dOut for all), 0 where
 * ignored. The four loops let the compiler drop what is constant in each. */
CLONES EXPORT int sce_grad_f32(int64_t n, const float *restrict x, const float *restrict z,
                               const float *restrict pw, const float *restrict dout,
                               int64_t dstride, float *restrict dx, float ign, float scale)
{
    uint32_t bad = 0;
#define LOOP(PW, D, W)                                                                  \
    for (int64_t i = 0; i < n; i++) {                                                   \
        float v = grad1(x[i], z[i], PW, D, scale, z[i] == ign, W);                      \
        dx[i] = v;                                                                      \
        bad |= nonfinite(v);                                                            \
    }
    if (pw && dstride)
        LOOP(pw[i], dout[i], 1)
    else if (pw)
        LOOP(pw[i], dout[0], 1)
    else if (dstride)
        LOOP(1.0f, dout[i], 0)
    else
        LOOP(1.0f, dout[0], 0)
#undef LOOP
    return bad != 0;
}
