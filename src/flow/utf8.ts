// flow.yml must be UTF-8 (GitHub serves it as such, YAML requires it). Decoding with replacement characters would
// print a mangled file and hide where the bad byte is; this finds it.

/** The text, or the 1-based line:col of the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { line: number; col: number; byte: number } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    // Find the first invalid sequence: decode growing prefixes of the bad region is O(n²); walk the bytes instead.
    let line = 1;
    let col = 1;
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i]!;
      const len =
        b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
      let ok = len > 0 && i + len <= bytes.length;
      for (let k = 1; ok && k < len; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
      if (ok && len > 1)
        ok = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(i, i + len)) !== '\ufffd';
      if (!ok) return { line, col, byte: b };
      if (b === 0x0a) {
        line++;
        col = 1;
      } else col++;
      i += len;
    }
    return { line, col, byte: 0 };
  }
}
