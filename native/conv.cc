// Convolutions for gemm.node: NHWC conv2d, its input gradient and its filter gradient as im2col/col2im around
// OpenBLAS sgemm, on the wasm heap like gemm() (see gemm.cc). Used by src/backend/openblas-conv-patch.ts.
//
// Why by hand: TF.js's wasm backend runs Conv2D through XNNPACK but has no fast Conv2DBackpropInput or
// Conv2DBackpropFilter, and no library ships NHWC convolution over a foreign float buffer; im2col + one sgemm
// is the textbook formulation (Chellapilla et al. 2006) and turns every convolution into OpenBLAS's fastest path.
//
// JS API (offsets in bytes into `heap`, every argument required, geometry as tfjs's computeConv2DInfo gives it):
//   conv(heap, mode, xOff, wOff, yOff,
//        n, h, w, c,            // input x [n, h, w, c]
//        kh, kw, f,             // filter [kh, kw, c, f]
//        oh, ow,                // output y [n, oh, ow, f]
//        sh, sw, dh, dw,        // strides and dilations
//        padTop, padLeft,
//        biasOff, act, alpha)   // mode 0 only: -1 or f floats added per output pixel; act as in gemm()
//   mode 0: y = conv(x, w)                 (Conv2D / FusedConv2D: x, w read; y written)
//   mode 1: x = conv_input_grad(y, w)      (Conv2DBackpropInput: y = dy read; x = dx written)
//   mode 2: w = conv_filter_grad(x, y)     (Conv2DBackpropFilter: x, y = dy read; w = dW written)
// The batch is processed in fixed chunks (the chunk size depends only on the shapes), so a call's rounding is
// the same in every process. Every range is checked first; a bad call throws and never writes.
#include <node_api.h>

#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "args.h"
#include "conv.h"

namespace {

using ganymede_native::Activate;
using ganymede_native::GetInt;
using ganymede_native::InHeap;

// Scratch for the column matrix, kept between calls (one JS thread per process).
std::vector<float> &Scratch() {
  static std::vector<float> scratch;
  return scratch;
}

// At most this many floats of columns at a time (64 MiB).
constexpr int64_t kMaxColumnFloats = int64_t{1} << 24;

struct Geometry {
  int64_t n, h, w, c, kh, kw, f, oh, ow, sh, sw, dh, dw, padTop, padLeft;
  int64_t Patch() const { return kh * kw * c; }
  int64_t Pixels() const { return oh * ow; }
};

// cols[(b, i, j), (p, q, ch)] = x[b, i*sh - padTop + p*dh, j*sw - padLeft + q*dw, ch], 0 outside.
void Im2Col(const Geometry &g, const float *x, int64_t batch, float *cols) {
  const int64_t patch = g.Patch();
  for (int64_t b = 0; b < batch; b++) {
    const float *xb = x + b * g.h * g.w * g.c;
    for (int64_t i = 0; i < g.oh; i++) {
      for (int64_t j = 0; j < g.ow; j++) {
        float *row = cols + ((b * g.oh + i) * g.ow + j) * patch;
        for (int64_t p = 0; p < g.kh; p++) {
          const int64_t y = i * g.sh - g.padTop + p * g.dh;
          for (int64_t q = 0; q < g.kw; q++) {
            float *dst = row + (p * g.kw + q) * g.c;
            const int64_t xx = j * g.sw - g.padLeft + q * g.dw;
            if (y < 0 || y >= g.h || xx < 0 || xx >= g.w) {
              std::memset(dst, 0, sizeof(float) * static_cast<size_t>(g.c));
            } else {
              std::memcpy(dst, xb + (y * g.w + xx) * g.c, sizeof(float) * static_cast<size_t>(g.c));
            }
          }
        }
      }
    }
  }
}

// The adjoint of Im2Col: x[b, ...] += cols[...], in a fixed order (x must start zeroed).
void Col2Im(const Geometry &g, const float *cols, int64_t batch, float *x) {
  const int64_t patch = g.Patch();
  for (int64_t b = 0; b < batch; b++) {
    float *xb = x + b * g.h * g.w * g.c;
    for (int64_t i = 0; i < g.oh; i++) {
      for (int64_t j = 0; j < g.ow; j++) {
        const float *row = cols + ((b * g.oh + i) * g.ow + j) * patch;
        for (int64_t p = 0; p < g.kh; p++) {
          const int64_t y = i * g.sh - g.padTop + p * g.dh;
          if (y < 0 || y >= g.h) continue;
          for (int64_t q = 0; q < g.kw; q++) {
            const int64_t xx = j * g.sw - g.padLeft + q * g.dw;
            if (xx < 0 || xx >= g.w) continue;
            const float *src = row + (p * g.kw + q) * g.c;
            float *dst = xb + (y * g.w + xx) * g.c;
            for (int64_t ch = 0; ch < g.c; ch++) dst[ch] += src[ch];
          }
        }
      }
    }
  }
}

// Whether a 1x1-stride-1-unpadded conv: its columns are x itself, no copy needed.
bool IsPointwise(const Geometry &g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.padTop == 0 && g.padLeft == 0 && g.oh == g.h && g.ow == g.w;
}

void Run(const Geometry &g, int64_t mode, float *x, float *wt, float *y, const float *bias, int64_t act, float alpha) {
  const int64_t patch = g.Patch();
  const int64_t pixels = g.Pixels();
  const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(g.n, kMaxColumnFloats / std::max<int64_t>(1, pixels * patch)));
  const bool pointwise = IsPointwise(g);
  std::vector<float> &scratch = Scratch();
  if (!pointwise) scratch.resize(static_cast<size_t>(chunk * pixels * patch));
  if (mode == 1) std::memset(x, 0, sizeof(float) * static_cast<size_t>(g.n * g.h * g.w * g.c));
  for (int64_t b0 = 0; b0 < g.n; b0 += chunk) {
    const int64_t batch = std::min(chunk, g.n - b0);
    const int64_t rows = batch * pixels;
    float *xb = x + b0 * g.h * g.w * g.c;
    float *yb = y + b0 * pixels * g.f;
    float *cols = pointwise ? xb : scratch.data();
    if (mode == 0) {
      if (!pointwise) Im2Col(g, xb, batch, cols);
      if (bias != nullptr) {
        for (int64_t r = 0; r < rows; r++) std::memcpy(yb + r * g.f, bias, sizeof(float) * static_cast<size_t>(g.f));
      }
      // y[rows, f] = cols[rows, patch] w[patch, f]
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), static_cast<int>(g.f),
                  static_cast<int>(patch), 1.0f, cols, static_cast<int>(patch), wt, static_cast<int>(g.f),
                  bias != nullptr ? 1.0f : 0.0f, yb, static_cast<int>(g.f));
      Activate(yb, rows * g.f, act, alpha);
    } else if (mode == 1) {
      // cols[rows, patch] = dy[rows, f] w[patch, f]^T, then scattered back onto dx
      if (pointwise) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(patch),
                    static_cast<int>(g.f), 1.0f, yb, static_cast<int>(g.f), wt, static_cast<int>(g.f), 0.0f, xb,
                    static_cast<int>(patch));
      } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(patch),
                    static_cast<int>(g.f), 1.0f, yb, static_cast<int>(g.f), wt, static_cast<int>(g.f), 0.0f, cols,
                    static_cast<int>(patch));
        Col2Im(g, cols, batch, xb);
      }
    } else {
      // dW[patch, f] (+)= cols[rows, patch]^T dy[rows, f]
      if (!pointwise) Im2Col(g, xb, batch, cols);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(patch), static_cast<int>(g.f),
                  static_cast<int>(rows), 1.0f, cols, static_cast<int>(patch), yb, static_cast<int>(g.f),
                  b0 == 0 ? 0.0f : 1.0f, wt, static_cast<int>(g.f));
    }
  }
}

napi_value Fail(napi_env env, const char *what) {
  napi_throw_range_error(env, nullptr, what);
  return nullptr;
}

napi_value Conv(napi_env env, napi_callback_info info) {
  constexpr size_t kArgs = 23;
  size_t argc = kArgs;
  napi_value argv[kArgs];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != kArgs) {
    napi_throw_type_error(env, nullptr, "conv: expected 23 arguments");
    return nullptr;
  }
  bool isBuffer = false;
  napi_is_arraybuffer(env, argv[0], &isBuffer);
  void *data = nullptr;
  size_t bytes = 0;
  if (!isBuffer || napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok) {
    napi_throw_type_error(env, nullptr, "conv: heap must be an ArrayBuffer");
    return nullptr;
  }
  int64_t v[kArgs - 1] = {0};
  for (size_t i = 1; i < kArgs - 1; i++) {
    if (!GetInt(env, argv[i], &v[i], "conv: arguments 1..21 must be integers")) return nullptr;
  }
  double alpha = 0;
  if (napi_get_value_double(env, argv[kArgs - 1], &alpha) != napi_ok) {
    napi_throw_type_error(env, nullptr, "conv: alpha must be a number");
    return nullptr;
  }
  const int64_t mode = v[1], xOff = v[2], wOff = v[3], yOff = v[4];
  const Geometry g{v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17], v[18], v[19]};
  const int64_t biasOff = v[20], act = v[21];
  const int64_t kMaxDim = 0x7fffffff;
  const int64_t dims[] = {g.n, g.h, g.w, g.c, g.kh, g.kw, g.f, g.oh, g.ow, g.sh, g.sw, g.dh, g.dw};
  for (int64_t d : dims) {
    if (d < 1 || d > kMaxDim) return Fail(env, "conv: every size, stride and dilation must be >= 1");
  }
  if (mode < 0 || mode > 2 || act < 0 || act > 3 || g.padTop < 0 || g.padLeft < 0) {
    return Fail(env, "conv: mode in 0..2, act in 0..3, pads >= 0");
  }
  if (g.n * g.oh * g.ow > kMaxDim || g.Patch() > kMaxDim) return Fail(env, "conv: too large for one sgemm");
  const int64_t xCount = g.n * g.h * g.w * g.c, wCount = g.Patch() * g.f, yCount = g.n * g.Pixels() * g.f;
  if (!InHeap(xOff, 1, 0, xCount, bytes) || !InHeap(wOff, 1, 0, wCount, bytes) || !InHeap(yOff, 1, 0, yCount, bytes) ||
      (biasOff != -1 && (mode != 0 || !InHeap(biasOff, 1, 0, g.f, bytes)))) {
    return Fail(env, "conv: operand outside the heap (or a bias outside mode 0)");
  }
  uint8_t *heap = static_cast<uint8_t *>(data);
  const float *bias = biasOff == -1 ? nullptr : reinterpret_cast<const float *>(heap + biasOff);
  Run(g, mode, reinterpret_cast<float *>(heap + xOff), reinterpret_cast<float *>(heap + wOff),
      reinterpret_cast<float *>(heap + yOff), bias, act, static_cast<float>(alpha));
  return nullptr;
}

}  // namespace

void DefineConv(napi_env env, napi_value exports) {
  napi_property_descriptor prop = {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_default, nullptr};
  napi_define_properties(env, exports, 1, &prop);
}
