'use strict';
// Media bytes are generated, not stored: byte i of a file with seed S is byte i
// of the AES-256-CTR keystream under key SHA-256(S) with an all-zero counter
// block, so a test can recompute the digest without the file:
//   head -c SIZE /dev/zero | openssl enc -aes-256-ctr -nosalt \
//     -K "$(printf %s "$SEED" | sha256sum | cut -c1-64)" -iv 00000000000000000000000000000000 | sha256sum

const crypto = require('node:crypto');

const BLOCK = 16;

// A readable stream of bytes [start, end) of the file with `seed`.
function mediaStream(seed, start, end) {
  const { Readable } = require('node:stream');
  const key = crypto.createHash('sha256').update(seed, 'utf8').digest();
  const firstBlock = Math.floor(start / BLOCK);
  const iv = Buffer.alloc(16);
  // The counter is the whole 128-bit block big-endian; file sizes stay far below 2^53.
  iv.writeUInt32BE(Math.floor(firstBlock / 2 ** 32), 8);
  iv.writeUInt32BE(firstBlock % 2 ** 32, 12);
  const cipher = crypto.createCipheriv('aes-256-ctr', key, iv);
  let skip = start - firstBlock * BLOCK;
  let remaining = end - start;
  const chunk = 64 * 1024;
  return new Readable({
    read() {
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const want = Math.min(chunk, remaining + skip);
      let out = cipher.update(Buffer.alloc(want));
      if (skip > 0) {
        out = out.subarray(skip);
        skip = 0;
      }
      if (out.length > remaining) out = out.subarray(0, remaining);
      remaining -= out.length;
      this.push(out);
    },
  });
}

// SHA-256 hex of the whole file, computed the same way.
function mediaDigest(seed, size) {
  const key = crypto.createHash('sha256').update(seed, 'utf8').digest();
  const cipher = crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = crypto.createHash('sha256');
  let left = size;
  while (left > 0) {
    const n = Math.min(left, 1 << 20);
    hash.update(cipher.update(Buffer.alloc(n)));
    left -= n;
  }
  return hash.digest('hex');
}

module.exports = { mediaStream, mediaDigest };
