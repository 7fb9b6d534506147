import { FUZZ_RUNS_SLOW } from '@dgpose/test-utils';
import { coreFuzzSuite } from './testing/fuzz-suite';

coreFuzzSuite(FUZZ_RUNS_SLOW);
