// The conv() function of gemm.node (conv.cc), added to the addon's exports by gemm.cc's Init.
#pragma once
#include <node_api.h>

void DefineConv(napi_env env, napi_value exports);
