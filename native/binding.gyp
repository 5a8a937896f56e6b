# gemm.node: OpenBLAS sgemm on the wasm heap (see gemm.cc). Built by scripts/build-native.mjs; optional.
{
  "targets": [
    {
      "target_name": "gemm",
      "sources": ["gemm.cc", "conv.cc", "vector.cc"],
      "cflags_cc": ["-O3", "-ffp-contract=off", "-fno-math-errno", "-std=c++17", "<!@(pkg-config --cflags openblas 2>/dev/null || true)"],
      "libraries": ["<!@(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)", "-ldl"]
    }
  ]
}
