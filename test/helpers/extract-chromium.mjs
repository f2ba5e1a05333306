// Extracts the Chromium that `npm ci` brought (@sparticuz/chromium: a headless Chromium and the
// shared libraries it needs, brotli-packed inside the npm package) into the folder given as
// TMPDIR, and prints the binary's path. Run as a child process so that the package's use of
// os.tmpdir() and its environment setup touch only that folder and that process.
// AWS_LAMBDA_JS_RUNTIME asks it to unpack its bundled libraries too (libnss3, libnspr4, …):
// a fresh machine has none of them.
import process from 'node:process';
import chromium from '@sparticuz/chromium';

process.stdout.write(await chromium.executablePath());
