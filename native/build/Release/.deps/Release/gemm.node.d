cmd_Release/gemm.node := ln -f "Release/obj.target/gemm.node" "Release/gemm.node" 2>/dev/null || (rm -rf "Release/gemm.node" && cp -af "Release/obj.target/gemm.node" "Release/gemm.node")
