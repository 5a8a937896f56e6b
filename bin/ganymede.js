#!/usr/bin/env node
// The `ganymede` command: runs the compiled CLI (npm ci builds it through the prepare script).
import '../dist/src/cli/main.js';
