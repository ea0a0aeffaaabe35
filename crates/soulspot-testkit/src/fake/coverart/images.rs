//! The pictures the fake image host serves, encoded by hand so that no image library is
//! needed: two-colour PNGs in stored (uncompressed) deflate blocks with their CRC-32 and Adler-32
//! checksums, and baseline greyscale JPEGs whose flat 8×8 blocks need only DC differences and an
//! end-of-block code. Both decode in any viewer.

/// Whether the pixel block at (column, row) of a picture is light: a checkerboard of tiles whose
/// size and phase depend on the picture's seed.
fn light_tile(column: u32, row: u32, tile: u32, seed: u64) -> bool {
    (column / tile + row / tile + (seed % 2) as u32).is_multiple_of(2)
}

// ----- PNG ---------------------------------------------------------------------------------

/// CRC-32 (ISO-HDLC), as PNG chunks carry it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut low, mut high) = (1_u32, 0_u32);
    for chunk in data.chunks(5552) {
        for byte in chunk {
            low += u32::from(*byte);
            high += low;
        }
        low %= 65_521;
        high %= 65_521;
    }
    (high << 16) | low
}

fn png_chunk(output: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    output.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = output.len();
    output.extend_from_slice(kind);
    output.extend_from_slice(data);
    let crc = crc32(&output[start..]);
    output.extend_from_slice(&crc.to_be_bytes());
}

/// A two-colour PNG (palette, one bit per pixel) compressed with stored deflate blocks: valid
/// for every decoder, and small enough at cover sizes.
pub(super) fn encode_png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let row_bytes = width.div_ceil(8) as usize;
    let tile = (width.max(height) / 8).max(8);
    let mut raw = Vec::with_capacity((row_bytes + 1) * height as usize);
    for row in 0..height {
        raw.push(0); // filter type None
        let mut byte = 0_u8;
        for column in 0..width {
            let bit = u8::from(light_tile(column, row, tile, seed));
            byte |= bit << (7 - column % 8);
            if column % 8 == 7 {
                raw.push(byte);
                byte = 0;
            }
        }
        if !width.is_multiple_of(8) {
            raw.push(byte);
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (index, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(index + 1 == blocks.len()));
        let length = block.len() as u16;
        zlib.extend_from_slice(&length.to_le_bytes());
        zlib.extend_from_slice(&(!length).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    if blocks.is_empty() {
        zlib.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[1, 3, 0, 0, 0]); // depth 1, palette, deflate, filter 0, no interlace
    let hue = seed.to_le_bytes();
    let palette = [
        hue[0] / 4,
        hue[1] / 4,
        hue[2] / 4,
        192 + hue[3] / 4,
        192 + hue[4] / 4,
        192 + hue[5] / 4,
    ];
    let mut output = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png_chunk(&mut output, b"IHDR", &header);
    png_chunk(&mut output, b"PLTE", &palette);
    png_chunk(&mut output, b"IDAT", &zlib);
    png_chunk(&mut output, b"IEND", &[]);
    output
}

// ----- JPEG --------------------------------------------------------------------------------

/// Writes entropy-coded bits most significant first, stuffing a zero byte after every 0xFF.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    current: u8,
    filled: u32,
}

impl BitWriter {
    fn push_bit(&mut self, bit: bool) {
        self.current = (self.current << 1) | u8::from(bit);
        self.filled += 1;
        if self.filled == 8 {
            self.bytes.push(self.current);
            if self.current == 0xff {
                self.bytes.push(0);
            }
            self.current = 0;
            self.filled = 0;
        }
    }

    fn push_bits(&mut self, value: u32, count: u32) {
        for shift in (0..count).rev() {
            self.push_bit((value >> shift) & 1 == 1);
        }
    }

    /// Pads the last byte with one bits, as the standard asks.
    fn finish(mut self) -> Vec<u8> {
        while self.filled != 0 {
            self.push_bit(true);
        }
        self.bytes
    }
}

/// The JPEG magnitude category of a DC difference: how many bits its value takes.
fn magnitude_category(value: i32) -> u32 {
    32 - value.unsigned_abs().leading_zeros()
}

fn jpeg_segment(output: &mut Vec<u8>, marker: u8, data: &[u8]) {
    output.extend_from_slice(&[0xff, marker]);
    output.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
    output.extend_from_slice(data);
}

/// A baseline greyscale JPEG of a tile pattern: every 8×8 block is flat, so each block is its
/// DC difference and an end-of-block code, with Huffman tables made for exactly those symbols.
pub(super) fn encode_jpeg(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let width = width.clamp(1, u32::from(u16::MAX));
    let height = height.clamp(1, u32::from(u16::MAX));
    let dark = 30 + (seed % 50) as i32;
    let light = 170 + ((seed / 50) % 70) as i32;
    let (columns, rows) = (width.div_ceil(8), height.div_ceil(8));
    let tile_blocks = (columns.max(rows) / 8).max(1);
    // DC coefficients quantised by 8 are the block's level minus 128.
    let mut levels = Vec::with_capacity((columns * rows) as usize);
    for row in 0..rows {
        for column in 0..columns {
            let level = if light_tile(column, row, tile_blocks, seed) {
                light
            } else {
                dark
            };
            levels.push(level - 128);
        }
    }
    let mut differences = Vec::with_capacity(levels.len());
    let mut previous = 0;
    for level in &levels {
        differences.push(level - previous);
        previous = *level;
    }
    let mut categories: Vec<u32> = differences
        .iter()
        .map(|difference| magnitude_category(*difference))
        .collect();
    categories.sort_unstable();
    categories.dedup();
    // At most three DC symbols, each given a two-bit code (00, 01, 10; never all ones).
    let dc_code = |category: u32| -> u32 {
        categories
            .iter()
            .position(|known| *known == category)
            .unwrap_or_default() as u32
    };
    let mut bits = BitWriter::default();
    for difference in &differences {
        let category = magnitude_category(*difference);
        bits.push_bits(dc_code(category), 2);
        if category > 0 {
            let value = if *difference > 0 {
                *difference as u32
            } else {
                (*difference + (1 << category) - 1) as u32
            };
            bits.push_bits(value, category);
        }
        bits.push_bits(0, 1); // end of block: the only AC symbol, code 0
    }
    let entropy = bits.finish();

    let mut output = vec![0xff, 0xd8];
    jpeg_segment(
        &mut output,
        0xe0,
        &[b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0],
    );
    let mut quantisation = vec![0_u8];
    quantisation.extend_from_slice(&[8; 64]);
    jpeg_segment(&mut output, 0xdb, &quantisation);
    let mut frame = vec![8];
    frame.extend_from_slice(&(height as u16).to_be_bytes());
    frame.extend_from_slice(&(width as u16).to_be_bytes());
    frame.extend_from_slice(&[1, 1, 0x11, 0]);
    jpeg_segment(&mut output, 0xc0, &frame);
    let mut dc_table = vec![0x00, 0, categories.len() as u8];
    dc_table.extend_from_slice(&[0; 14]);
    dc_table.extend(categories.iter().map(|category| *category as u8));
    jpeg_segment(&mut output, 0xc4, &dc_table);
    let mut ac_table = vec![0x10, 1];
    ac_table.extend_from_slice(&[0; 15]);
    ac_table.push(0x00);
    jpeg_segment(&mut output, 0xc4, &ac_table);
    jpeg_segment(&mut output, 0xda, &[1, 1, 0x00, 0, 63, 0]);
    output.extend_from_slice(&entropy);
    output.extend_from_slice(&[0xff, 0xd9]);
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }
}
