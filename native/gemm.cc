// gemm.node: OpenBLAS cblas_sgemm on the wasm heap, for the optional native matMul kernels of ganymede.
//
// README: built by `node scripts/build-native.mjs` (node-gyp, or g++ directly) when Debian's libopenblas-dev
// (cblas.h + libopenblas.so) and g++ are present; otherwise skipped, and src/backend/openblas-*.ts fall back
// to the wasm kernels. Loaded by src/backend/openblas-addon.ts from native/build/Release/gemm.node.
// Runtime needs libopenblas0 (dynamic build). OpenBLAS runs on one thread: one worker process per core.
//
// JS API (all offsets in bytes into `heap`, all strides in float elements, every argument required):
//   gemm(heap: ArrayBuffer,
//        aOff, bOff, cOff,              // row-major float32 operands A, B and output C
//        m, n, k, transA, transB,       // C[m, n] = op(A)[m, k] op(B)[k, n]
//        batch, strideA, strideB, strideC,  // batch products; stride 0 broadcasts an operand
//        biasOff,                       // -1: none; else n floats added to every row of C
//        act, alpha)                    // 0 linear, 1 relu, 2 relu6, 3 leakyrelu(alpha)
//   config(): string                    // OpenBLAS build and thread count, for logs
//   conv(...)                           // NHWC conv2d and its two gradients: see conv.cc
//   adam(w, g, m, v: Float32Array, b1, a1, b2, a2, stepSize, sqrtC2, eps)   // src/train/adam.ts's loop, in place
//   addInto(a, b), allFinite(a)         // element-wise loops over gradients: see vector.cc
// Every range is checked against heap.byteLength; a bad call throws RangeError/TypeError, never writes.
#include <node_api.h>

#include <cblas.h>
#include <dlfcn.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "args.h"
#include "conv.h"
#include "vector.h"

namespace {

using ganymede_native::Activate;
using ganymede_native::Check;
using ganymede_native::GetInt;
using ganymede_native::InHeap;

using SetThreads = void (*)(int);
using GetThreads = int (*)();
using GetConfig = char *(*)();

template <typename F>
F Symbol(const char *name) {
  return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  constexpr size_t kArgs = 16;
  size_t argc = kArgs;
  napi_value argv[kArgs];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "gemm: bad call")) return nullptr;
  if (argc != kArgs) {
    napi_throw_type_error(env, nullptr, "gemm: expected 16 arguments");
    return nullptr;
  }
  bool isBuffer = false;
  napi_is_arraybuffer(env, argv[0], &isBuffer);
  if (!isBuffer) {
    napi_throw_type_error(env, nullptr, "gemm: heap must be an ArrayBuffer");
    return nullptr;
  }
  void *data = nullptr;
  size_t bytes = 0;
  if (!Check(env, napi_get_arraybuffer_info(env, argv[0], &data, &bytes), "gemm: unreadable heap")) return nullptr;
  static const char *names[kArgs] = {
      "",        "gemm: aOff",    "gemm: bOff",    "gemm: cOff",    "gemm: m",       "gemm: n",
      "gemm: k", "gemm: transA",  "gemm: transB",  "gemm: batch",   "gemm: strideA", "gemm: strideB",
      "gemm: strideC", "gemm: biasOff", "gemm: act", "gemm: alpha",
  };
  int64_t v[kArgs] = {0};
  for (size_t i = 1; i <= 14; i++) {
    if (!GetInt(env, argv[i], &v[i], names[i])) return nullptr;
  }
  double alphaD = 0;
  if (!Check(env, napi_get_value_double(env, argv[15], &alphaD), "gemm: alpha")) return nullptr;
  const int64_t aOff = v[1], bOff = v[2], cOff = v[3], m = v[4], n = v[5], k = v[6];
  const bool transA = v[7] != 0, transB = v[8] != 0;
  const int64_t batch = v[9], strideA = v[10], strideB = v[11], strideC = v[12], biasOff = v[13], act = v[14];
  const int64_t kMaxDim = 0x7fffffff;
  if (m < 1 || n < 1 || k < 1 || batch < 1 || m > kMaxDim || n > kMaxDim || k > kMaxDim || act < 0 || act > 3) {
    napi_throw_range_error(env, nullptr, "gemm: dimensions must be >= 1 and act in 0..3");
    return nullptr;
  }
  if (!InHeap(aOff, batch, strideA, m * k, bytes) || !InHeap(bOff, batch, strideB, k * n, bytes) ||
      !InHeap(cOff, batch, strideC, m * n, bytes) || (biasOff != -1 && !InHeap(biasOff, 1, 0, n, bytes)) ||
      (batch > 1 && strideC < m * n)) {
    napi_throw_range_error(env, nullptr, "gemm: operand outside the heap or overlapping outputs");
    return nullptr;
  }
  uint8_t *heap = static_cast<uint8_t *>(data);
  const float *a = reinterpret_cast<const float *>(heap + aOff);
  const float *b = reinterpret_cast<const float *>(heap + bOff);
  float *c = reinterpret_cast<float *>(heap + cOff);
  const float *bias = biasOff == -1 ? nullptr : reinterpret_cast<const float *>(heap + biasOff);
  const int lda = static_cast<int>(transA ? m : k);
  const int ldb = static_cast<int>(transB ? k : n);
  for (int64_t i = 0; i < batch; i++) {
    float *ci = c + i * strideC;
    if (bias != nullptr) {
      for (int64_t r = 0; r < m; r++) std::memcpy(ci + r * n, bias, sizeof(float) * static_cast<size_t>(n));
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a + i * strideA, lda,
                b + i * strideB, ldb, bias != nullptr ? 1.0f : 0.0f, ci, static_cast<int>(n));
    Activate(ci, m * n, act, static_cast<float>(alphaD));
  }
  return nullptr;
}

// The loop of Adam(), compiled for AVX-512, AVX2 and baseline x86-64, the best one chosen at load time: the
// double sqrt and division dominate, and wider lanes do more of them at once. Every clone computes the same bits
// (IEEE add, multiply, divide and sqrt are exact per lane; no FMA contraction).
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void AdamLoop(float *w, const float *g, float *m, float *v, size_t n, const double *c) {
  const double b1 = c[0], a1 = c[1], b2 = c[2], a2 = c[3], stepSize = c[4], sqrtC2 = c[5], eps = c[6];
  for (size_t i = 0; i < n; i++) {
    const double gi = g[i];
    const double mi = b1 * static_cast<double>(m[i]) + a1 * gi;
    m[i] = static_cast<float>(mi);
    const double vi = b2 * static_cast<double>(v[i]) + a2 * gi * gi;
    v[i] = static_cast<float>(vi);
    w[i] = static_cast<float>(static_cast<double>(w[i]) - (stepSize * mi) / (std::sqrt(vi) / sqrtC2 + eps));
  }
}

// One Adam step over one tensor, bit-identical to adamStep's JS loop in src/train/adam.ts: the same double
// expressions in the same order (JS numbers are doubles; the value of `m[i] = ...` is the unrounded double),
// each stored value rounded to float as a Float32Array store does. Vectorised (-O3 -fno-math-errno: sqrt and
// division stay IEEE-exact per lane); no FMA contraction (binding.gyp:
// -ffp-contract=off), so the bits do not depend on the compiler or the CPU.
napi_value Adam(napi_env env, napi_callback_info info) {
  constexpr size_t kArgs = 11;
  size_t argc = kArgs;
  napi_value argv[kArgs];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "adam: bad call")) return nullptr;
  if (argc != kArgs) {
    napi_throw_type_error(env, nullptr, "adam: expected 11 arguments");
    return nullptr;
  }
  float *arr[4] = {nullptr, nullptr, nullptr, nullptr};
  size_t len[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    bool isTyped = false;
    napi_is_typedarray(env, argv[i], &isTyped);
    napi_typedarray_type type;
    void *data = nullptr;
    if (!isTyped || !Check(env, napi_get_typedarray_info(env, argv[i], &type, &len[i], &data, nullptr, nullptr), "adam: unreadable array") ||
        type != napi_float32_array) {
      napi_throw_type_error(env, nullptr, "adam: w, g, m and v must be Float32Arrays");
      return nullptr;
    }
    arr[i] = static_cast<float *>(data);
  }
  if (len[1] != len[0] || len[2] != len[0] || len[3] != len[0]) {
    napi_throw_range_error(env, nullptr, "adam: w, g, m and v must have the same length");
    return nullptr;
  }
  double c[7];
  for (int i = 0; i < 7; i++) {
    if (!Check(env, napi_get_value_double(env, argv[4 + i], &c[i]), "adam: coefficients must be numbers")) return nullptr;
  }
  AdamLoop(arr[0], arr[1], arr[2], arr[3], len[0], c);
  return nullptr;
}

napi_value Config(napi_env env, napi_callback_info) {
  std::string text = "CBLAS (not OpenBLAS)";
  if (auto get = Symbol<GetConfig>("openblas_get_config")) text = get();  // "OpenBLAS 0.3.21 ... <core> ..."
  if (auto threads = Symbol<GetThreads>("openblas_get_num_threads")) text += ", threads " + std::to_string(threads());
  napi_value out;
  napi_create_string_utf8(env, text.c_str(), text.size(), &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  // One thread: workers are one process per core. Looked up at run time so any CBLAS links.
  if (auto set = Symbol<SetThreads>("openblas_set_num_threads")) set(1);
  napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"config", nullptr, Config, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  DefineConv(env, exports);    // conv(): conv2d and its gradients (conv.cc)
  DefineVector(env, exports);  // addInto(), allFinite(): element-wise loops over gradients (vector.cc)
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
