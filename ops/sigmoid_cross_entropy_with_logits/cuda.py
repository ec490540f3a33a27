"""The CUDA kernels of sigmoid_cross_entropy_with_logits and its gradient (the op and its formula
are in __init__.py). cupy is imported only when
a kernel first runs.
"""
import numpy as np

from . import FLOATS, grad_op, op
from .cpu_numpy import ignore_value

# -- cupy: one fused pass each (plus a count of kept labels when normalizing) -----------------
# Raw CUDA rather than cupy.ElementwiseKernel: each thread loads 16 bytes of each array as
# one vector before computing, which keeps enough loads in flight to run near the memory
# bandwidth (H100, 1e8 float32: ElementwiseKernel 62% of peak; see benchmarks/RESULTS.md).
# float16 is loaded and stored as float16 and computed in float32 in the same pass.

_CUDA_MATH = """
template <typename T> __host__ __device__ T sce_loss(T x, T z, T pw) {
    T ax = fabs(x);
    T c = x >= 0 ? 1 - z : z * pw;
    T lw = 1 + (pw - 1) * z;
    return lw * log1p(exp(-ax)) + (c == 0 ? (T)0 : ax * c);
}
template <typename T> __host__ __device__ T sce_grad(T x, T z, T pw) {
    T s = 1 / (1 + exp(-x));  // small ones keep their relative accuracy; x << 0: 1 / inf
    return s * (1 + (pw - 1) * z) - pw * z;  // as on the CPU: s lw - pw z
}
"""
_CUDA_KERNELS = """
#include <cuda_fp16.h>
template <typename T> struct Math { typedef T type; };
template <> struct Math<__half> { typedef float type; };
// Element i of X, with PosWeight (m of them, repeating; none: 1) and dOut (stride 0 or 1).
// Where the label is ign the result is 0; elsewhere it is divided by max(*kept, 1) (kept
// null: not divided). Each thread does 16 bytes of X, loaded and stored as one vector when `vec`
// (the arrays are 16-byte aligned).
template <typename T, typename I, bool GRAD>
__device__ void sce(const T* x, const T* z, const T* pw, I m, const T* dout, I dstride,
                    const unsigned long long* kept, typename Math<T>::type ign, T* out, I n,
                    bool vec) {
    typedef typename Math<T>::type C;
    const int V = 16 / sizeof(T);
    struct __align__(16) Pack { T v[V]; };
    I i0 = ((I)blockIdx.x * blockDim.x + threadIdx.x) * V;
    if (i0 >= n) return;
    bool full = vec && i0 + V <= n;
    Pack xp, zp, dp, op;
    if (full) {
        xp = ((const Pack*)x)[i0 / V];
        zp = ((const Pack*)z)[i0 / V];
        if (GRAD && dstride) dp = ((const Pack*)dout)[i0 / V];
    } else {
        for (int k = 0; k < V && i0 + k < n; k++) {
            xp.v[k] = x[i0 + k];
            zp.v[k] = z[i0 + k];
            if (GRAD && dstride) dp.v[k] = dout[i0 + k];
        }
    }
    // One factor for what is the same everywhere: dOut when it is one value, times
    // 1 / max(*kept, 1) when normalizing (the CPU kernel divides: within 1 ulp of it).
    bool scaled = kept || (GRAD && !dstride);
    C scale = GRAD && !dstride ? (C)dout[0] : (C)1;
    if (kept) scale /= (C)(*kept > 1 ? *kept : 1);
    I j = pw ? i0 % m : 0;
    #pragma unroll
    for (int k = 0; k < V; k++) {
        C xv = (C)xp.v[k], zv = (C)zp.v[k], pv = (C)1;
        if (pw) {
            pv = (C)pw[j];
            if (++j == m) j = 0;
        }
        C r = GRAD ? sce_grad<C>(xv, zv, pv) : sce_loss<C>(xv, zv, pv);
        if (GRAD && dstride) r *= (C)dp.v[k];
        if (scaled) r *= scale;
        op.v[k] = (T)(zv == ign ? (C)0 : r);
    }
    if (full) {
        ((Pack*)out)[i0 / V] = op;
    } else {
        for (int k = 0; k < V && i0 + k < n; k++) out[i0 + k] = op.v[k];
    }
}
template <typename T, typename I>
__global__ void sce_fwd(const T* x, const T* z, const T* pw, I m,
                        const unsigned long long* kept, typename Math<T>::type ign, T* out, I n,
                        bool vec) {
    sce<T, I, false>(x, z, pw, m, (const T*)0, 0, kept, ign, out, n, vec);
}
template <typename T, typename I>
__global__ void sce_bwd(const T* x, const T* z, const T* pw, I m, const T* dout, I dstride,
                        const unsigned long long* kept, typename Math<T>::type ign, T* out, I n,
                        bool vec) {
    sce<T, I, true>(x, z, pw, m, dout, dstride, kept, ign, out, n, vec);
}
// *kept += the number of labels that are not ign; 4 loads in flight per thread.
template <typename T, typename I>
__global__ void sce_count(const T* z, typename Math<T>::type ign, I n, unsigned long long* kept) {
    unsigned int c = 0;
    I step = (I)gridDim.x * blockDim.x;
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += 4 * step) {
        #pragma unroll
        for (int k = 0; k < 4; k++)
            if (i + k * step < n) c += (typename Math<T>::type)z[i + k * step] != ign;
    }
    for (int o = 16; o; o >>= 1)
        c += __shfl_down_sync(0xffffffffu, c, o);
    if ((threadIdx.x & 31) == 0 && c)
        atomicAdd(kept, (unsigned long long)c);
}
"""
_CUDA_TYPES = {np.dtype(np.float16): "__half", np.dtype(np.float32): "float",
               np.dtype(np.float64): "double"}
_CUDA_NAMES = [f"sce_{k}<{t}, {i}>" for k in ("fwd", "bwd", "count")
               for t in _CUDA_TYPES.values() for i in ("int", "long long")]
_cuda_module = None
_cuda_kernels = {}  # (name, dtype, 64-bit indices) -> kernel; a lookup costs ~10 us
_NULL = np.uint64(0)  # a null pointer argument
_INT32_BELOW = 2**30  # smaller arrays are indexed in 32 bits


def _cuda_kernel(name, dtype, n):
    """(the compiled kernel `name` for dtype, its index type), in 32 bits where n allows."""
    global _cuda_module
    wide = n >= _INT32_BELOW
    kernel = _cuda_kernels.get((name, dtype, wide))
    if kernel is None:  # the kernel object loads itself on each GPU it is launched on
        if _cuda_module is None:
            import cupy
            _cuda_module = cupy.RawModule(code=_CUDA_MATH + _CUDA_KERNELS,
                                          name_expressions=_CUDA_NAMES)
        index = "long long" if wide else "int"
        kernel = _cuda_kernels[name, dtype, wide] = _cuda_module.get_function(
            f"sce_{name}<{_CUDA_TYPES[dtype]}, {index}>")
    return kernel, (np.int64 if wide else np.int32)


def _cuda_run(x, label, pos_weight, dout, ignore_index, normalize):
    import cupy
    if x.shape != label.shape:
        raise ValueError(f"X has shape {list(x.shape)} but Label has shape {list(label.shape)}")
    out = cupy.empty(x.shape, x.dtype)
    n = x.size
    if not n:
        return out
    x, label = cupy.ascontiguousarray(x), cupy.ascontiguousarray(label)
    math_dtype = np.dtype(np.float32) if x.dtype == np.float16 else x.dtype
    ign = ignore_value(math_dtype, ignore_index)
    ign = math_dtype.type("nan") if ign is None else ign  # NaN: no label equals it
    pw, m = _NULL, 0
    if pos_weight is not None:  # X's last pw.ndim dims' worth, repeating along X
        pw = pos_weight
        while pw.ndim and pw.shape[0] == 1:  # leading 1s broadcast anyway
            pw = pw[0]
        pw = cupy.ascontiguousarray(cupy.broadcast_to(pw, x.shape[x.ndim - pw.ndim:]))
        m = pw.size
    kept = _NULL
    if normalize:  # the count stays on the device: no sync
        kept = cupy.zeros(1, cupy.uint64)
        count, index = _cuda_kernel("count", x.dtype, n)
        count((min((n + 1023) // 1024, 1024),), (256,), (label, ign, index(n), kept))
    per_thread = 16 // x.itemsize
    blocks = (n + 256 * per_thread - 1) // (256 * per_thread)
    arrays = [x, label, out]
    if dout is None:
        kernel, index = _cuda_kernel("fwd", x.dtype, n)
        args = (x, label, pw, index(m), kept, ign, out, index(n))
    else:
        one = not any(dout.strides)  # the gradient of a sum or mean: its one value is read
        if not one:
            dout = cupy.ascontiguousarray(dout)
            arrays.append(dout)
        kernel, index = _cuda_kernel("bwd", x.dtype, n)
        args = (x, label, pw, index(m), dout, index(0 if one else 1), kept, ign, out, index(n))
    vec = all(a.data.ptr % 16 == 0 for a in arrays)
    kernel((blocks,), (256,), args + (np.bool_(vec),))
    return out


@op.kernel(*FLOATS, place="cuda")
def _cuda_forward(x, label, pos_weight, **attrs):
    return _cuda_run(x, label, pos_weight, None, **attrs)


@grad_op.kernel(*FLOATS, place="cuda")
def _cuda_backward(x, label, pos_weight, dout, **attrs):
    return _cuda_run(x, label, pos_weight, dout, **attrs)
