"""A TLS front and a CONNECT proxy for the emulator, for the tests of the
provider block's `custom_ca_bundle`, `https_proxy` and `no_proxy`.

Moto serves plain HTTP only. This makes a throw-away certificate authority
and a certificate for 127.0.0.1 signed by it, writes the authority's
certificate to DIR/ca.pem, and serves two ports:

- TLS on the first, passing the decrypted bytes to the emulator's port;
- an HTTP proxy that only tunnels (CONNECT host:port, RFC 9110 section
  9.3.6), appending each tunnel's target to DIR/proxy.log.

Usage: python tls_front.py EMULATOR_PORT DIR
Prints "READY TLS_PORT PROXY_PORT" and serves until its standard input
closes, so it ends with the test that started it.
"""

import asyncio
import datetime
import ipaddress
import os
import ssl
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def certificate(subject, issuer, public_key, signing_key, ca, sans=()):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def write_certificates(directory):
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("stack test CA", "stack test CA", ca_key.public_key(), ca_key, True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = certificate(
        "127.0.0.1",
        "stack test CA",
        server_key.public_key(),
        ca_key,
        False,
        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")],
    )
    pem = serialization.Encoding.PEM
    with open(os.path.join(directory, "ca.pem"), "wb") as f:
        f.write(ca.public_bytes(pem))
    with open(os.path.join(directory, "server.pem"), "wb") as f:
        f.write(server.public_bytes(pem))
        f.write(
            server_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(directory, "server.pem"))
    return context


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def splice(reader, writer, host, port):
    try:
        up_reader, up_writer = await asyncio.open_connection(host, port)
    except OSError:
        writer.close()
        return
    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def tunnel(reader, writer, log_path):
    request = await reader.readuntil(b"\r\n\r\n")
    method, target, _ = request.split(b"\r\n", 1)[0].decode().split(" ", 2)
    if method != "CONNECT":
        writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        writer.close()
        return
    with open(log_path, "a") as log:
        log.write(f"CONNECT {target}\n")
    host, port = target.rsplit(":", 1)
    writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
    await writer.drain()
    await splice(reader, writer, host, int(port))


async def main(emulator_port, directory):
    context = write_certificates(directory)
    log_path = os.path.join(directory, "proxy.log")
    tls = await asyncio.start_server(
        lambda r, w: splice(r, w, "127.0.0.1", emulator_port), "127.0.0.1", 0, ssl=context
    )
    proxy = await asyncio.start_server(lambda r, w: tunnel(r, w, log_path), "127.0.0.1", 0)
    print(
        f"READY {tls.sockets[0].getsockname()[1]} {proxy.sockets[0].getsockname()[1]}",
        flush=True,
    )
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
