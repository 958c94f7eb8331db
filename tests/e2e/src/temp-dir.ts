import { makeTempDir as makeSharedTempDir } from '../../../scripts/test-support/temp-dir.mjs';

/** A private (0700) temp directory and its removal. */
export const makeTempDir = (prefix = 'udsipc-e2e-') => makeSharedTempDir(prefix);
