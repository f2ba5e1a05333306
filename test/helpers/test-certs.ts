/**
 * The lab PKI cache the tests share: one per user (`<tmpdir>/atp-netlab-<uid>-test-certs`),
 * never one folder for every user of the machine, whose first owner would lock the others out.
 */
import os from 'node:os';
import path from 'node:path';
import { tempDirPrefix } from '../../src/temp-dirs.js';

export const TEST_CERTS_DIR = path.join(os.tmpdir(), `${tempDirPrefix()}test-certs`);
