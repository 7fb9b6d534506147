import { createHash } from 'node:crypto';
import { seededFloats } from '@dgpose/test-utils';
import { sha256Hex, sha256HexSync } from './sha256';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('sha256', () => {
  it('matches the FIPS 180-4 test vectors (pure JS and Web Crypto)', async () => {
    const vectors: [string, string][] = [
      ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
      ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
      [
        'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
        '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
      ],
    ];
    for (const [msg, hex] of vectors) {
      expect(sha256HexSync(utf8(msg))).toBe(hex);
      expect(await sha256Hex(utf8(msg))).toBe(hex);
    }
    expect(sha256HexSync(new Uint8Array(1_000_000).fill(0x61))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('agrees with node:crypto at every padding boundary and on subarrays', () => {
    const src = Uint8Array.from(seededFloats(300, 1, 0, 256), (x) => Math.floor(x));
    for (let n = 0; n <= 200; n++) {
      const b = src.subarray(7, 7 + n); // unaligned view into a larger buffer
      expect(sha256HexSync(b)).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});
