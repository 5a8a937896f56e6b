// What gemm.cc and conv.cc share: reading N-API arguments, checking ranges on the wasm heap, and the
// activations both apply after their sgemm (inline: one definition serves both files).
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace ganymede_native {

inline bool Check(napi_env env, napi_status status, const char *what) {
  if (status == napi_ok) return true;
  napi_throw_type_error(env, nullptr, what);
  return false;
}

// An integer argument given as a JS number (doubles are exact up to 2^53).
inline bool GetInt(napi_env env, napi_value v, int64_t *out, const char *what) {
  double d;
  if (!Check(env, napi_get_value_double(env, v, &d), what)) return false;
  if (!(d >= -1 && d <= 9007199254740991.0) || d != static_cast<double>(static_cast<int64_t>(d))) {
    napi_throw_range_error(env, nullptr, what);
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

// Whether [off, off + 4 * ((batch - 1) * stride + elems)) lies inside a heap of `bytes` bytes, 4-aligned.
inline bool InHeap(int64_t off, int64_t batch, int64_t stride, int64_t elems, size_t bytes) {
  if (off < 0 || (off & 3) != 0 || stride < 0 || elems < 0) return false;
  const double end = static_cast<double>(off) + 4.0 * (static_cast<double>(batch - 1) * stride + elems);
  return end <= static_cast<double>(bytes);
}

inline void Activate(float *c, int64_t count, int64_t act, float alpha) {
  switch (act) {
    case 1:  // relu; NaN propagates as in tfjs
      for (int64_t i = 0; i < count; i++) c[i] = c[i] < 0.f ? 0.f : c[i];
      break;
    case 2:  // relu6
      for (int64_t i = 0; i < count; i++) c[i] = c[i] < 0.f ? 0.f : (c[i] > 6.f ? 6.f : c[i]);
      break;
    case 3:  // leakyrelu
      for (int64_t i = 0; i < count; i++) c[i] = c[i] < 0.f ? alpha * c[i] : c[i];
      break;
    default:
      break;
  }
}

}  // namespace ganymede_native
