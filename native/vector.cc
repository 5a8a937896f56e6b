// addInto() and allFinite() of gemm.node: the element-wise loops every round runs over whole gradients (a
// worker sums its micro-shards and checks each one; the coordinator checks every tensor it receives).
// V8 runs them at about 3.5 and 1.5 ns a value; compiled with -O3 they are vectorised and memory-bound.
//
//   addInto(a, b: Float32Array)   // a[i] += b[i] in place: float32 adds, bit for bit the JS loop's (a double
//                                 // sum of two floats rounds to the same float as a float add)
//   allFinite(a: Float32Array)    // true when no value is NaN or +-Infinity
// A wrong argument throws TypeError/RangeError before anything is written.
#include "vector.h"

#include <cstddef>

#include "args.h"

namespace {

using ganymede_native::Check;

// The data and length of a Float32Array argument, or false after throwing a TypeError naming `what`.
bool Floats(napi_env env, napi_value v, float **data, size_t *length, const char *what) {
  bool typed = false;
  napi_is_typedarray(env, v, &typed);
  napi_typedarray_type type;
  void *raw = nullptr;
  if (!typed || napi_get_typedarray_info(env, v, &type, length, &raw, nullptr, nullptr) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, nullptr, what);
    return false;
  }
  *data = static_cast<float *>(raw);
  return true;
}

napi_value AddInto(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "addInto: bad call")) return nullptr;
  float *a = nullptr, *b = nullptr;
  size_t na = 0, nb = 0;
  if (argc != 2 || !Floats(env, argv[0], &a, &na, "addInto: a must be a Float32Array") ||
      !Floats(env, argv[1], &b, &nb, "addInto: b must be a Float32Array")) {
    return nullptr;
  }
  if (na != nb) {
    napi_throw_range_error(env, nullptr, "addInto: a and b must have the same length");
    return nullptr;
  }
  for (size_t i = 0; i < na; i++) a[i] += b[i];
  return nullptr;
}

napi_value AllFinite(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "allFinite: bad call")) return nullptr;
  float *a = nullptr;
  size_t n = 0;
  if (argc != 1 || !Floats(env, argv[0], &a, &n, "allFinite: a must be a Float32Array")) return nullptr;
  // x * 0 is 0 for every finite x and NaN otherwise; a sum of them stays 0 exactly when all are finite.
  // Eight partial sums, so the loop vectorises without reassociating (-ffp-contract=off, no -ffast-math).
  float p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; k++) p[k] += a[i + k] * 0.0f;
  }
  for (; i < n; i++) p[0] += a[i] * 0.0f;
  float s = 0;
  for (float x : p) s += x;
  napi_value out;
  napi_get_boolean(env, s == 0.0f, &out);
  return out;
}

}  // namespace

void DefineVector(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"addInto", nullptr, AddInto, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allFinite", nullptr, AllFinite, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
