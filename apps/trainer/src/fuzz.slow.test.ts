import { FUZZ_RUNS_SLOW } from '@dgpose/test-utils';
import { trainerFuzzSuite } from './testing/fuzz-suite';

trainerFuzzSuite(FUZZ_RUNS_SLOW);
