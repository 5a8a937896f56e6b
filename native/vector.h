// The element-wise functions of gemm.node (vector.cc), added to the addon's exports by gemm.cc's Init.
#pragma once
#include <node_api.h>

void DefineVector(napi_env env, napi_value exports);
