import { FUZZ_RUNS } from '@dgpose/test-utils';
import { benchmarkFuzzSuite } from './testing/fuzz-suite';

benchmarkFuzzSuite(FUZZ_RUNS);
