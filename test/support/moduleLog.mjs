// `node --import ./test/support/moduleLog.mjs`: appends the URL of every module the process resolves (ESM imports,
// static and dynamic) to the file named by PAG0_TEST_MODULE_LOG, so a test can see what a server loaded and when.
import { register } from "node:module";

register("./moduleLogHooks.mjs", import.meta.url);
