import { FUZZ_RUNS } from '@dgpose/test-utils';
import { trainerFuzzSuite } from './testing/fuzz-suite';

trainerFuzzSuite(FUZZ_RUNS);
