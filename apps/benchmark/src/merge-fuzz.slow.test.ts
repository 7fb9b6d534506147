import { FUZZ_RUNS_SLOW } from '@dgpose/test-utils';
import { benchmarkFuzzSuite } from './testing/fuzz-suite';

benchmarkFuzzSuite(FUZZ_RUNS_SLOW);
