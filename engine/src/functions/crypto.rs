//! `bcrypt` and `rsadecrypt`, on the `bcrypt` and `rsa` crates.

use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};

use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::Value;

/// `bcrypt(password, cost = 10)`: a `$2a$` hash with a random salt, as Go's
/// `bcrypt.GenerateFromPassword` makes it (a cost below 4 means 10).
pub(crate) fn bcrypt(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let cost = match args.len() {
        1 => 10,
        _ => args.number(1)?.to_i64().ok_or_else(|| {
            failed("value must be a whole number, between -9223372036854775808 and 9223372036854775807")
        })?,
    };
    if args.len() > 2 {
        return Err(failed("bcrypt() takes no more than two arguments"));
    }
    let password = args.string(0)?;
    if password.len() > 72 {
        return Err(failed(
            "error occured generating password bcrypt: password length exceeds 72 bytes",
        ));
    }
    let cost = if cost < 4 { 10 } else { cost };
    let cost = u32::try_from(cost).ok().filter(|c| *c <= 31).ok_or_else(|| {
        failed(format!(
            "error occured generating password crypto/bcrypt: cost {cost} is outside allowed inclusive range 4..31"
        ))
    })?;
    let hashed = bcrypt::hash_with_result(password, cost)
        .map_err(|e| failed(format!("error occured generating password {e}")))?;
    Ok(Value::String(
        hashed.format_for_version(bcrypt::Version::TwoA),
    ))
}

/// The first PEM block of the text: its label and the block itself.
fn pem_block(text: &str) -> Option<(&str, &str)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let label = &rest[..rest.find("-----")?];
    let end_marker = format!("-----END {label}-----");
    let end = text[start..].find(&end_marker)? + start + end_marker.len();
    Some((label, &text[start..end]))
}

/// Reads an RSA private key from PEM (PKCS #1 or PKCS #8), with the errors
/// Terraform gives (it reads keys with Go's `ssh.ParseRawPrivateKey`).
fn private_key(text: &str) -> Result<RsaPrivateKey, String> {
    let Some((label, block)) = pem_block(text) else {
        return Err("invalid private key: ssh: no key found".to_string());
    };
    if block.contains("ENCRYPTED") {
        return Err(
            "invalid private key: ssh: this private key is passphrase protected".to_string(),
        );
    }
    let not_rsa =
        "invalid private key type: the key is not an RSA key; rsadecrypt needs an RSA private key";
    match label {
        "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_pem(block)
            .map_err(|e| format!("invalid ASN1 data in the given private key: {e}")),
        "PRIVATE KEY" => RsaPrivateKey::from_pkcs8_pem(block).map_err(|e| match e {
            rsa::pkcs8::Error::PublicKey(_) => not_rsa.to_string(),
            e => format!("invalid ASN1 data in the given private key: {e}"),
        }),
        "EC PRIVATE KEY" | "DSA PRIVATE KEY" => Err(not_rsa.to_string()),
        // Terraform reads this format too; here it is refused with the way out.
        "OPENSSH PRIVATE KEY" => Err("invalid private key: keys in OpenSSH's own format are not supported; convert the key to PEM with `ssh-keygen -p -m PEM -f KEYFILE`".to_string()),
        other => Err(format!("invalid private key: ssh: unsupported key type {}", crate::value::quote_string(other))),
    }
}

/// `rsadecrypt(ciphertext, privatekey)`: PKCS #1 v1.5 decryption of base64
/// ciphertext (what EC2 returns as a Windows password). The `rsa` crate's
/// decryption is not constant-time (RUSTSEC-2023-0071); that matters to a
/// server answering many decryption requests, not to a template function
/// run on the user's own key and data.
pub(crate) fn rsadecrypt(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let ciphertext = args.string(0)?;
    let bytes = super::charsets::go_base64(&ciphertext).map_err(|_| {
        args.error(
            0,
            format!(
                "failed to decode input {}: cipher text must be base64-encoded",
                crate::value::quote_string(&ciphertext)
            ),
        )
    })?;
    let key = private_key(&args.string(1)?).map_err(|m| args.error(1, m))?;
    let plain = key
        .decrypt(Pkcs1v15Encrypt, &bytes)
        .map_err(|_| failed("failed to decrypt: crypto/rsa: decryption error"))?;
    Ok(Value::String(String::from_utf8_lossy(&plain).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, ok, s};
    use crate::value::Value;

    #[test]
    fn bcrypt_hashes_verify_and_carry_the_cost() {
        let hash = ok("bcrypt", vec![s("hunter2"), Value::number(4.0)]);
        let hash = hash.as_str().unwrap_or_default().to_string();
        assert!(hash.starts_with("$2a$04$"), "{hash}");
        assert!(bcrypt::verify("hunter2", &hash).unwrap_or(false));
        assert!(!bcrypt::verify("hunter3", &hash).unwrap_or(true));
        // A cost below 4 means the default, 10, as in Go.
        let low = ok("bcrypt", vec![s("x"), Value::number(-1.0)]);
        assert!(low.as_str().unwrap_or_default().starts_with("$2a$10$"));
        let e = err("bcrypt", vec![s("x"), Value::number(32.0)]);
        assert!(
            e.ends_with("cost 32 is outside allowed inclusive range 4..31."),
            "{e}"
        );
        let e = err("bcrypt", vec![s(&"a".repeat(73))]);
        assert!(e.ends_with("password length exceeds 72 bytes."), "{e}");
        let e = err("bcrypt", vec![s("x"), Value::number(4.5)]);
        assert!(e.starts_with("value must be a whole number"), "{e}");
        let e = err(
            "bcrypt",
            vec![s("x"), Value::number(5.0), Value::number(6.0)],
        );
        assert_eq!(e, "bcrypt() takes no more than two arguments.");
    }
}
