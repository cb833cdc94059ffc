#!/usr/bin/env node
/** palisadectl's entry point: run the program, set the exit code, let Node exit on its own. */
import { defaultContext } from './context.js';
import { exitQuietlyOnClosedStdout } from './output/io.js';
import { run } from './program.js';

// Deprecation notices from dependencies (grpc's TLS servername) are not for operators.
process.noDeprecation = true;
exitQuietlyOnClosedStdout();
process.exitCode = await run(process.argv.slice(2), defaultContext());
