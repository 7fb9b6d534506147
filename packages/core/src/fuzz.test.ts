import { FUZZ_RUNS } from '@dgpose/test-utils';
import { coreFuzzSuite } from './testing/fuzz-suite';

coreFuzzSuite(FUZZ_RUNS);
