//! `textencodebase64` and `textdecodebase64`: text in a named character
//! encoding. Terraform looks the name up in Go's IANA index; here the
//! IANA names and aliases map to `encoding_rs` encodings, plus the three
//! encodings that `encoding_rs` (which follows the WHATWG standard) lacks or
//! folds into another one: ISO-8859-1, US-ASCII and UTF-16 with a byte order
//! mark. Code pages outside WHATWG (IBM437, IBM850, HZ-GB-2312, ...) are
//! refused as unsupported.

use base64::Engine as _;
use encoding_rs::Encoding;

use super::{Args, FunctionContext, FunctionError};
use crate::value::Value;

/// How a supported charset is encoded and decoded.
#[derive(Clone, Copy)]
enum Codec {
    Rs(&'static Encoding),
    /// UTF-16 with a byte order mark; big-endian when writing or when no mark is present.
    Utf16Bom,
    /// ISO-8859-1: every code point below 256 is its own byte.
    Latin1,
    UsAscii,
    /// ISO-8859-9 is windows-1254 with C1 controls at 0x80..0x9F
    /// (WHATWG folds it into windows-1254).
    Latin5,
}

/// IANA's canonical name (what Terraform's messages print) and aliases.
struct Charset {
    name: &'static str,
    aliases: &'static [&'static str],
    codec: Codec,
}

macro_rules! charset {
    ($name:expr, $codec:expr, [$($alias:expr),*]) => {
        Charset { name: $name, aliases: &[$($alias),*], codec: $codec }
    };
}

use Codec::Rs;

static CHARSETS: &[Charset] = &[
    charset!("UTF-8", Rs(encoding_rs::UTF_8), ["csUTF8"]),
    charset!("UTF-16", Codec::Utf16Bom, ["csUTF16"]),
    charset!("UTF-16BE", Rs(encoding_rs::UTF_16BE), ["csUTF16BE"]),
    charset!("UTF-16LE", Rs(encoding_rs::UTF_16LE), ["csUTF16LE"]),
    charset!(
        "US-ASCII",
        Codec::UsAscii,
        [
            "iso-ir-6",
            "ANSI_X3.4-1968",
            "ANSI_X3.4-1986",
            "ISO_646.irv:1991",
            "ISO646-US",
            "us",
            "IBM367",
            "cp367",
            "csASCII"
        ]
    ),
    charset!(
        "ISO_8859-1:1987",
        Codec::Latin1,
        [
            "iso-ir-100",
            "ISO_8859-1",
            "ISO-8859-1",
            "latin1",
            "l1",
            "IBM819",
            "CP819",
            "csISOLatin1"
        ]
    ),
    charset!(
        "ISO_8859-2:1987",
        Rs(encoding_rs::ISO_8859_2),
        [
            "iso-ir-101",
            "ISO_8859-2",
            "ISO-8859-2",
            "latin2",
            "l2",
            "csISOLatin2"
        ]
    ),
    charset!(
        "ISO_8859-3:1988",
        Rs(encoding_rs::ISO_8859_3),
        [
            "iso-ir-109",
            "ISO_8859-3",
            "ISO-8859-3",
            "latin3",
            "l3",
            "csISOLatin3"
        ]
    ),
    charset!(
        "ISO_8859-4:1988",
        Rs(encoding_rs::ISO_8859_4),
        [
            "iso-ir-110",
            "ISO_8859-4",
            "ISO-8859-4",
            "latin4",
            "l4",
            "csISOLatin4"
        ]
    ),
    charset!(
        "ISO_8859-5:1988",
        Rs(encoding_rs::ISO_8859_5),
        [
            "iso-ir-144",
            "ISO_8859-5",
            "ISO-8859-5",
            "cyrillic",
            "csISOLatinCyrillic"
        ]
    ),
    charset!(
        "ISO_8859-6:1987",
        Rs(encoding_rs::ISO_8859_6),
        [
            "iso-ir-127",
            "ISO_8859-6",
            "ISO-8859-6",
            "ECMA-114",
            "ASMO-708",
            "arabic",
            "csISOLatinArabic"
        ]
    ),
    charset!(
        "ISO_8859-7:1987",
        Rs(encoding_rs::ISO_8859_7),
        [
            "iso-ir-126",
            "ISO_8859-7",
            "ISO-8859-7",
            "ELOT_928",
            "ECMA-118",
            "greek",
            "greek8",
            "csISOLatinGreek"
        ]
    ),
    charset!(
        "ISO_8859-8:1988",
        Rs(encoding_rs::ISO_8859_8),
        [
            "iso-ir-138",
            "ISO_8859-8",
            "ISO-8859-8",
            "hebrew",
            "csISOLatinHebrew"
        ]
    ),
    charset!(
        "ISO_8859-8-I",
        Rs(encoding_rs::ISO_8859_8_I),
        ["ISO-8859-8-I", "csISO88598I"]
    ),
    charset!(
        "ISO_8859-9:1989",
        Codec::Latin5,
        [
            "iso-ir-148",
            "ISO_8859-9",
            "ISO-8859-9",
            "latin5",
            "l5",
            "csISOLatin5"
        ]
    ),
    charset!(
        "ISO-8859-10",
        Rs(encoding_rs::ISO_8859_10),
        [
            "iso-ir-157",
            "l6",
            "ISO_8859-10:1992",
            "csISOLatin6",
            "latin6"
        ]
    ),
    charset!("ISO-8859-13", Rs(encoding_rs::ISO_8859_13), ["csISO885913"]),
    charset!(
        "ISO-8859-14",
        Rs(encoding_rs::ISO_8859_14),
        [
            "iso-ir-199",
            "ISO_8859-14:1998",
            "ISO_8859-14",
            "latin8",
            "iso-celtic",
            "l8",
            "csISO885914"
        ]
    ),
    charset!(
        "ISO-8859-15",
        Rs(encoding_rs::ISO_8859_15),
        ["ISO_8859-15", "Latin-9", "csISO885915"]
    ),
    charset!(
        "ISO-8859-16",
        Rs(encoding_rs::ISO_8859_16),
        [
            "iso-ir-226",
            "ISO_8859-16:2001",
            "ISO_8859-16",
            "latin10",
            "l10",
            "csISO885916"
        ]
    ),
    charset!(
        "windows-1250",
        Rs(encoding_rs::WINDOWS_1250),
        ["cswindows1250"]
    ),
    charset!(
        "windows-1251",
        Rs(encoding_rs::WINDOWS_1251),
        ["cswindows1251"]
    ),
    charset!(
        "windows-1252",
        Rs(encoding_rs::WINDOWS_1252),
        ["cswindows1252"]
    ),
    charset!(
        "windows-1253",
        Rs(encoding_rs::WINDOWS_1253),
        ["cswindows1253"]
    ),
    charset!(
        "windows-1254",
        Rs(encoding_rs::WINDOWS_1254),
        ["cswindows1254"]
    ),
    charset!(
        "windows-1255",
        Rs(encoding_rs::WINDOWS_1255),
        ["cswindows1255"]
    ),
    charset!(
        "windows-1256",
        Rs(encoding_rs::WINDOWS_1256),
        ["cswindows1256"]
    ),
    charset!(
        "windows-1257",
        Rs(encoding_rs::WINDOWS_1257),
        ["cswindows1257"]
    ),
    charset!(
        "windows-1258",
        Rs(encoding_rs::WINDOWS_1258),
        ["cswindows1258"]
    ),
    charset!(
        "windows-874",
        Rs(encoding_rs::WINDOWS_874),
        ["cswindows874"]
    ),
    charset!("KOI8-R", Rs(encoding_rs::KOI8_R), ["csKOI8R"]),
    charset!("KOI8-U", Rs(encoding_rs::KOI8_U), ["csKOI8U"]),
    charset!(
        "IBM866",
        Rs(encoding_rs::IBM866),
        ["cp866", "866", "csIBM866"]
    ),
    charset!(
        "macintosh",
        Rs(encoding_rs::MACINTOSH),
        ["mac", "csMacintosh"]
    ),
    charset!(
        "Shift_JIS",
        Rs(encoding_rs::SHIFT_JIS),
        ["MS_Kanji", "csShiftJIS"]
    ),
    charset!(
        "Extended_UNIX_Code_Packed_Format_for_Japanese",
        Rs(encoding_rs::EUC_JP),
        ["csEUCPkdFmtJapanese", "EUC-JP"]
    ),
    charset!("ISO-2022-JP", Rs(encoding_rs::ISO_2022_JP), ["csISO2022JP"]),
    charset!(
        "GBK",
        Rs(encoding_rs::GBK),
        ["CP936", "MS936", "windows-936", "csGBK"]
    ),
    charset!("GB18030", Rs(encoding_rs::GB18030), ["csGB18030"]),
    charset!("Big5", Rs(encoding_rs::BIG5), ["csBig5"]),
    charset!("EUC-KR", Rs(encoding_rs::EUC_KR), ["csEUCKR"]),
];

/// The charset called `name` (IANA names and aliases are case-insensitive).
fn lookup(args: &Args, i: usize) -> Result<&'static Charset, FunctionError> {
    let name = args.string(i)?;
    CHARSETS
        .iter()
        .find(|c| {
            c.name.eq_ignore_ascii_case(&name)
                || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(&name))
        })
        .ok_or_else(|| {
            args.error(
                i,
                format!(
                    "{} is not a supported IANA encoding name or alias in this Terraform version",
                    crate::value::quote_string(&name)
                ),
            )
        })
}

/// The bytes of `text` in the charset, or `None` when a character has no
/// representation in it.
fn encode(codec: Codec, text: &str) -> Option<Vec<u8>> {
    match codec {
        Codec::Rs(enc) if enc == encoding_rs::UTF_16BE || enc == encoding_rs::UTF_16LE => {
            let big = enc == encoding_rs::UTF_16BE;
            Some(utf16(text, big))
        }
        Codec::Rs(enc) => {
            let (bytes, _, unmappable) = enc.encode(text);
            (!unmappable).then(|| bytes.into_owned())
        }
        Codec::Utf16Bom => {
            let mut out = vec![0xFE, 0xFF];
            out.extend(utf16(text, true));
            Some(out)
        }
        Codec::Latin1 => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).ok())
            .collect(),
        Codec::UsAscii => text
            .chars()
            .map(|c| c.is_ascii().then_some(c as u8))
            .collect(),
        Codec::Latin5 => text
            .chars()
            .map(|c| match u32::from(c) {
                0x80..=0x9F => Some(c as u8),
                _ => {
                    let mut buf = [0; 4];
                    let (b, _, bad) = encoding_rs::WINDOWS_1254.encode(c.encode_utf8(&mut buf));
                    (!bad && !(0x80..=0x9F).contains(&b[0])).then(|| b[0])
                }
            })
            .collect(),
    }
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

/// The text of `bytes` in the charset, or `None` when a byte sequence is not
/// defined in it. Like Terraform, a decoded U+FFFD counts as undefined.
fn decode(codec: Codec, bytes: &[u8]) -> Option<String> {
    let text = match codec {
        Codec::Rs(enc) => {
            let (text, bad) = enc.decode_without_bom_handling(bytes);
            (!bad).then(|| text.into_owned())?
        }
        Codec::Utf16Bom => match bytes {
            [0xFF, 0xFE, rest @ ..] => decode(Codec::Rs(encoding_rs::UTF_16LE), rest)?,
            [0xFE, 0xFF, rest @ ..] | rest => decode(Codec::Rs(encoding_rs::UTF_16BE), rest)?,
        },
        Codec::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        Codec::UsAscii => bytes
            .iter()
            .map(|&b| b.is_ascii().then_some(char::from(b)))
            .collect::<Option<String>>()?,
        Codec::Latin5 => bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9F => Some(char::from(b)),
                _ => decode(Codec::Rs(encoding_rs::WINDOWS_1254), &[b])?
                    .chars()
                    .next(),
            })
            .collect::<Option<String>>()?,
    };
    (!text.contains('\u{FFFD}')).then_some(text)
}

pub(crate) fn textencodebase64(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let text = args.string(0)?;
    let charset = lookup(&args, 1)?;
    let bytes = encode(charset.codec, &text).ok_or_else(|| {
        args.error(
            0,
            format!(
                "the given string contains characters that cannot be represented in {}",
                charset.name
            ),
        )
    })?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

pub(crate) fn textdecodebase64(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let source = args.string(0)?;
    let charset = lookup(&args, 1)?;
    let bytes = go_base64(&source).map_err(|offset| {
        args.error(
            0,
            format!("the given value is has an invalid base64 symbol at offset {offset}"),
        )
    })?;
    let text = decode(charset.codec, &bytes).ok_or_else(|| {
        args.error(
            0,
            format!(
                "the given string contains symbols that are not defined for {}",
                charset.name
            ),
        )
    })?;
    Ok(Value::String(text))
}

/// Decodes standard base64 with padding as Go's `base64.StdEncoding` does
/// (line breaks ignored, trailing bits not checked); the error is the offset
/// Go reports: the bad symbol, or the start of an incomplete last group.
pub(crate) fn go_base64(text: &str) -> Result<Vec<u8>, usize> {
    use base64::engine::{general_purpose::GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let compact: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    LENIENT.decode(&compact).map_err(|e| match e {
        base64::DecodeError::InvalidByte(offset, _) => offset,
        _ => match compact.len() % 4 {
            0 => compact.len().saturating_sub(4),
            rem => compact.len() - rem,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, ok, s};

    /// Expected values are what Terraform 1.15.5's `terraform console` prints.
    #[test]
    fn encodes_in_iana_named_charsets() {
        let enc = |text: &str, name: &str| ok("textencodebase64", vec![s(text), s(name)]);
        assert_eq!(
            enc("Hello World", "UTF-16LE"),
            s("SABlAGwAbABvACAAVwBvAHIAbABkAA==")
        );
        assert_eq!(enc("Hello €", "UTF-16"), s("/v8ASABlAGwAbABvACAgrA=="));
        assert_eq!(enc("Héllo", "latin1"), s("SOlsbG8="));
        assert_eq!(enc("日本", "Shift_JIS"), s("k/qWew=="));
        assert_eq!(enc("a", "csUTF16LE"), s("YQA="));
        let e = err("textencodebase64", vec![s("Hello €"), s("ISO-8859-1")]);
        assert!(
            e.ends_with("cannot be represented in ISO_8859-1:1987."),
            "{e}"
        );
        let e = err("textencodebase64", vec![s("a"), s("ascii")]);
        assert!(
            e.contains("\"ascii\" is not a supported IANA encoding name"),
            "{e}"
        );
    }

    #[test]
    fn decodes_and_refuses_undefined_bytes() {
        let dec = |text: &str, name: &str| ok("textdecodebase64", vec![s(text), s(name)]);
        assert_eq!(
            dec("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE"),
            s("Hello World")
        );
        assert_eq!(dec("gA==", "windows-1252"), s("€"));
        assert_eq!(dec("/v8ASABlAGwAbABvACAgrA==", "UTF-16"), s("Hello €"));
        let e = err("textdecodebase64", vec![s("gA=="), s("UTF-8")]);
        assert!(e.ends_with("not defined for UTF-8."), "{e}");
        let e = err("textdecodebase64", vec![s("SGVsbG8"), s("UTF-8")]);
        assert!(e.ends_with("invalid base64 symbol at offset 4."), "{e}");
        let e = err("textdecodebase64", vec![s("!!"), s("UTF-8")]);
        assert!(e.ends_with("invalid base64 symbol at offset 0."), "{e}");
    }
}
