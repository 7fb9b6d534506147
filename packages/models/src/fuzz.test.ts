import { FUZZ_RUNS } from '@dgpose/test-utils';
import { modelsFuzzSuite } from './testing-fuzz';

modelsFuzzSuite(FUZZ_RUNS);
