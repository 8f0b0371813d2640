{
  # One build for any x86-64: kernels are compiled once per instruction set into static
  # libraries (scalar, AVX2+FMA, AVX-512) and chosen at run time by CPU detection (native/cpu.cc).
  # Never -march=native. On other architectures only the portable kernels are built.
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-O3", "-fPIC", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-function", "-Wno-unknown-pragmas"],
    "cflags!": ["-fno-exceptions"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"]
  },
  "targets": [
    {
      "target_name": "kernels_scalar",
      "type": "static_library",
      "sources": ["native/isa/kernels_scalar.cc"]
    },
    {
      "target_name": "odyssey",
      "sources": [
        "native/addon.cc",
        "native/cpu.cc",
        "native/threadpool.cc",
        "native/dispatch.cc",
        "native/bind_core.cc",
        "native/bind_elementwise.cc",
        "native/bind_pool.cc",
        "native/bind_norm.cc",
        "native/bind_softmax.cc",
        "native/gemm/gemm.cc",
        "native/bind_gemm.cc",
        "native/conv/conv.cc",
        "native/conv/depthwise.cc",
        "native/conv/conv_wide.cc",
        "native/conv/winograd.cc",
        "native/conv/pointwise_weight.cc",
        "native/bind_conv.cc",
        "native/bind_bench.cc",
        "native/bind_optim.cc",
        "native/bind_cast.cc",
        "native/bind_copy.cc",
        "native/bind_reduce.cc"
      ],
      "dependencies": ["kernels_scalar"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["kernels_avx2", "kernels_avx512"],
          "defines": ["ODY_X86=1"]
        }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "kernels_avx2",
          "type": "static_library",
          "sources": ["native/isa/kernels_avx2.cc"],
          "cflags_cc": ["-mavx2", "-mfma", "-mf16c"]
        },
        {
          "target_name": "kernels_avx512",
          "type": "static_library",
          "sources": ["native/isa/kernels_avx512.cc"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx2", "-mfma", "-mf16c"]
        }
      ]
    }]
  ]
}
