'use strict';
// Deterministic recording content: byte i of an object with seed S is byte i
// of the AES-256-CTR keystream with key SHA-256(S) and an all-zero initial
// counter block. Any range can be produced without storing the file, and a
// test can recompute the expected digest independently, e.g.
//   head -c SIZE /dev/zero | openssl enc -aes-256-ctr -nosalt \
//     -K "$(printf %s "$SEED" | sha256sum | cut -c1-64)" -iv 00000000000000000000000000000000 \
//   | sha256sum

const crypto = require('node:crypto');
const { Readable } = require('node:stream');

const CHUNK = 1 << 20;  // bytes produced per read

function keyFor(seed) {
  return crypto.createHash('sha256').update(seed, 'utf8').digest();
}

// The counter block for the 16-byte block that holds byte `offset`.
function counterBlock(offset) {
  const iv = Buffer.alloc(16);
  let block = BigInt(Math.floor(offset / 16));
  for (let i = 15; i >= 0 && block > 0n; i--) {
    iv[i] = Number(block & 0xffn);
    block >>= 8n;
  }
  return iv;
}

// A Readable of bytes [start, end] (inclusive) of the object with `seed`.
function recordingStream(seed, start, end) {
  const cipher = crypto.createCipheriv('aes-256-ctr', keyFor(seed), counterBlock(start));
  let skip = start % 16;
  let position = start;
  const zeros = Buffer.alloc(CHUNK + 16);
  return new Readable({
    read() {
      if (position > end) {
        this.push(null);
        return;
      }
      const want = Math.min(CHUNK, end - position + 1);
      let out = cipher.update(zeros.subarray(0, want + skip));
      if (skip) {
        out = out.subarray(skip);
        skip = 0;
      }
      position += out.length;
      this.push(out);
    },
  });
}

// Resolves to the lowercase hex SHA-256 of the whole object.
function recordingSha256(seed, size) {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    if (size === 0) {
      resolve(hash.digest('hex'));
      return;
    }
    recordingStream(seed, 0, size - 1)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

module.exports = { recordingStream, recordingSha256 };
