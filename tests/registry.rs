//! The template registry end to end, through the `stack` binary: the
//! registry on a loopback port, alice and bob in group `platform`, carol in
//! group `mobile`. Every scenario runs on SQLite and on PostgreSQL; the
//! access matrix also runs once with archives in S3 on the AWS emulator.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;
#[path = "registry/harness.rs"]
mod harness;

use std::path::Path;

use common::Stack;
use harness::{module_stack, template_dir, Backend, Registry, User};

/// Runs a scenario once on SQLite and once on PostgreSQL.
macro_rules! on_each_database {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[test]
            fn sqlite() {
                super::$scenario(super::Backend::sqlite());
            }

            #[test]
            fn postgres() {
                super::$scenario(super::Backend::postgres());
            }
        }
    )*};
}

on_each_database!(
    access_matrix,
    tokens,
    bad_input,
    concurrent_publish,
    versions_and_lock,
    credential_references
);

/// Messages are wrapped at 100 columns: compare them with whitespace folded.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

const LEVELS: [&str; 3] = ["private", "group", "public"];

/// What each user may see of alice's templates in group platform.
fn may_see(user: &str, level: &str) -> bool {
    match level {
        "private" => user == "alice",
        "group" => user == "alice" || user == "bob",
        _ => true,
    }
}

fn publish_levels(reg: &Registry) {
    for level in LEVELS {
        let t = template_dir(&format!("hello-{level}"));
        let name = format!("app-{level}");
        let dir = t.path().display().to_string();
        let description = format!("The {level} app.");
        reg.alice.ok(&[
            "template",
            "publish",
            &dir,
            "--name",
            &name,
            "--version",
            "1.0.0",
            "--access",
            level,
            "--description",
            &description,
        ]);
    }
}

fn access_matrix(backend: Backend) {
    let reg = Registry::start(backend, &[]);
    publish_levels(&reg);
    check_matrix(&reg);
    check_paging(&reg);
}

/// The API lists in pages, in name order, each saying where the next starts;
/// the client follows them (`template list` above shows every template).
fn check_paging(reg: &Registry) {
    let token = Some(reg.alice.token.as_str());
    let page = |query: &str| {
        let (status, body) = reg.http("GET", &format!("/api/v1/templates{query}"), token, b"");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    let names = |page: &serde_json::Value| -> Vec<String> {
        page["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                format!(
                    "{}@{}",
                    t["name"].as_str().unwrap(),
                    t["latest"].as_str().unwrap()
                )
            })
            .collect()
    };
    let first = page("?limit=2");
    assert_eq!(names(&first), ["app-group@1.0.0", "app-private@1.0.0"]);
    assert_eq!(first["next"], "platform/app-private");
    let second = page("?limit=2&after=platform/app-private");
    assert_eq!(names(&second), ["app-public@1.0.0"]);
    assert_eq!(second["next"], serde_json::Value::Null);
    for bad in ["?limit=0", "?limit=5000", "?limit=x", "?after=nogroup"] {
        let (status, body) = reg.http("GET", &format!("/api/v1/templates{bad}"), token, b"");
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

/// Each access level for each user: list, show, download, init and module use.
fn check_matrix(reg: &Registry) {
    for user in reg.users() {
        let listed = user.ok(&["template", "list"]).stdout;
        for level in LEVELS {
            let visible = may_see(user.name, level);
            let name = format!("platform/app-{level}");
            let who = format!("{} on {level}", user.name);
            assert_eq!(listed.contains(&name), visible, "{who}: list\n{listed}");
            check_show(user, &name, visible, &who);
            check_download(reg, user, level, visible, &who);
            check_init(user, &name, level, visible, &who);
            check_module(reg, user, level, visible, &who);
        }
    }
}

fn check_show(user: &User, name: &str, visible: bool, who: &str) {
    let show = user.run(&["template", "show", name]);
    assert_eq!(show.code == 0, visible, "{who}: show\n{}", show.both());
    if visible {
        assert!(
            show.stdout
                .contains("name (string, required) Who to greet."),
            "{}",
            show.stdout
        );
        assert!(
            show.stdout.contains("punctuation (string, default \"!\")"),
            "{}",
            show.stdout
        );
    } else {
        assert!(
            flat(&show.stderr).contains(&format!("404: template {name} not found")),
            "{who}: {}",
            show.stderr
        );
    }
}

fn check_download(reg: &Registry, user: &User, level: &str, visible: bool, who: &str) {
    let path = format!("/api/v1/templates/platform/app-{level}/versions/1.0.0/archive");
    let (status, body) = reg.http("GET", &path, Some(&user.token), b"");
    let (absent_status, absent) = reg.http(
        "GET",
        "/api/v1/templates/platform/nothing/versions/1.0.0/archive",
        Some(&user.token),
        b"",
    );
    if visible {
        assert_eq!(status, 200, "{who}: download");
    } else {
        // Exactly like a template that does not exist: no name leaks.
        assert_eq!((status, absent_status), (404, 404), "{who}: download");
        assert_eq!(
            body.replace(&format!("app-{level}"), "X"),
            absent.replace("nothing", "X"),
            "{who}"
        );
    }
}

fn check_init(user: &User, name: &str, level: &str, visible: bool, who: &str) {
    let dir = format!("from-{level}");
    let init = user.run(&["init", &dir, "--template", &format!("{name}@~> 1.0")]);
    assert_eq!(init.code == 0, visible, "{who}: init\n{}", init.both());
    let created = user.home.path().join(&dir);
    if visible {
        assert!(created.join("main.tf").is_file());
        assert!(created.join("README.md").is_file());
        let vars = std::fs::read_to_string(created.join("default.vars.hcl")).unwrap();
        assert!(vars.contains("# name (string, required):"), "{vars}");
        assert!(vars.contains("# punctuation = \"!\""), "{vars}");
        let lock: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(created.join("stack.lock.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(lock["template"]["name"], name);
        assert_eq!(lock["template"]["version"], "1.0.0");
        assert!(lock["template"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:"));
    } else {
        assert!(
            flat(&init.stderr).contains("not found"),
            "{who}: {}",
            init.stderr
        );
        assert!(!created.join("main.tf").exists());
    }
}

fn check_module(reg: &Registry, user: &User, level: &str, visible: bool, who: &str) {
    let source = format!("registry://{}/platform/app-{level}", reg.addr);
    let stack = module_stack(&source, "~> 1.0");
    let init = user.run_in(stack.path(), &["init"]);
    assert_eq!(
        init.code == 0,
        visible,
        "{who}: module init\n{}",
        init.both()
    );
    if visible {
        let plan = user.ok_in(stack.path(), &["plan"]);
        assert!(
            plan.stdout
                .contains("module.app.terraform_data.greeting will be created"),
            "{}",
            plan.stdout
        );
        assert!(
            plan.stdout.contains(&format!("hello-{level} world!")),
            "{}",
            plan.stdout
        );
        let lock = stack.read("stack.lock.json");
        assert!(
            lock.contains(&source) && lock.contains("\"version\": \"1.0.0\""),
            "{lock}"
        );
    } else {
        assert!(
            flat(&init.stderr).contains("not found"),
            "{who}: {}",
            init.stderr
        );
        let plan = user.run_in(stack.path(), &["plan"]);
        assert!(
            flat(&plan.both()).contains("Module not installed"),
            "{}",
            plan.both()
        );
    }
}

fn tokens(backend: Backend) {
    let reg = Registry::start(backend, &[]);
    let (status, body) = reg.http("GET", "/api/v1/templates", None, b"");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("a token is required"), "{body}");
    let (status, body) = reg.http("GET", "/api/v1/templates", Some("stk_0000"), b"");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("unknown or revoked"), "{body}");
    let (status, _) = reg.http("GET", "/api/v1/templates", Some(&reg.carol.token), b"");
    assert_eq!(status, 200);
    // Revoking carol's token (by its id, printed on creation) locks her out.
    let created = reg.admin(&["token", "create", "carol"]);
    let id = created
        .stderr
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let second = created.stdout.trim().to_string();
    assert_eq!(reg.http("GET", "/api/v1/whoami", Some(&second), b"").0, 200);
    reg.admin(&["token", "revoke", &id]);
    let (status, body) = reg.http("GET", "/api/v1/whoami", Some(&second), b"");
    assert_eq!(status, 401, "{body}");
    // Her first token still works; the saved login file is hers alone.
    assert_eq!(
        reg.http("GET", "/api/v1/whoami", Some(&reg.carol.token), b"")
            .0,
        200
    );
    let creds = reg.carol.config_dir().join("credentials.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Tokens are stored only as hashes.
    if let Backend::Sqlite = reg.backend {
        for entry in std::fs::read_dir(reg.data.path()).unwrap().flatten() {
            if entry.path().is_file() {
                let bytes = std::fs::read(entry.path()).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    !text.contains(&reg.carol.token[4..]),
                    "a token is stored in clear in {:?}",
                    entry.path()
                );
            }
        }
    }
    let run = reg
        .carol
        .run_in(reg.carol.home.path(), &["template", "list"]);
    assert_eq!(run.code, 0, "{}", run.both());
    let mut cmd = reg.carol.home.command(&["template", "list"]);
    cmd.env("STACK_CONFIG_DIR", reg.carol.config_dir())
        .env("STACK_REGISTRY_TOKEN", &second);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("401"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A one-entry .tar.gz written byte by byte, so that the entry's name can be anything.
fn raw_archive(name: &str, entry_type: tar::EntryType, link: Option<&str>, data: &[u8]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    let mut header = tar::Header::new_old();
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    if let Some(link) = link {
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    header.set_entry_type(entry_type);
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append(&header, data).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

fn bad_input(backend: Backend) {
    let reg = Registry::start(backend, &["--max-archive-size", "4096"]);
    let token = Some(reg.alice.token.as_str());
    let put = "/api/v1/templates/platform/evil/versions/1.0.0?access=public";
    let cases = [
        (
            raw_archive("../escape.tf", tar::EntryType::Regular, None, b"x"),
            400,
            "`..`",
        ),
        (
            raw_archive("/etc/cron.d/evil", tar::EntryType::Regular, None, b"x"),
            400,
            "absolute",
        ),
        (
            raw_archive(
                "main.tf",
                tar::EntryType::Symlink,
                Some("../../etc/passwd"),
                b"",
            ),
            400,
            "outside the template",
        ),
        (random_bytes(8192), 413, "over the size limit"),
        (b"not an archive".to_vec(), 400, "not a readable .tar.gz"),
        (
            raw_archive("main.tf", tar::EntryType::Regular, None, b"resource {"),
            422,
            "does not load",
        ),
    ];
    for (archive, status, message) in cases {
        let (got, body) = reg.http("PUT", put, token, &archive);
        assert_eq!(got, status, "{message}: {body}");
        assert!(body.contains(message), "{message}: {body}");
    }
    // Nothing was written: no archive, no template.
    assert_eq!(reg.archive_count(None), 0);
    let (status, _) = reg.http("GET", "/api/v1/templates/platform/evil", token, b"");
    assert_eq!(status, 404);
    // Malformed requests get 4xx with a message, never 5xx.
    let t = template_dir("hi");
    reg.alice.ok(&[
        "template",
        "publish",
        &t.path().display().to_string(),
        "--name",
        "web",
        "--version",
        "1.0.0",
    ]);
    let access = "/api/v1/templates/platform/web/access";
    for (body, message) in [
        (&b"{not json"[..], "JSON"),
        (&br#"{"access": 3}"#[..], "access"),
        (&br#"{"access": "everyone"}"#[..], "unknown access level"),
    ] {
        let (status, answer) = reg.http("PUT", access, token, body);
        assert!((400..500).contains(&status), "{status} {answer}");
        assert!(answer.contains(message), "{answer}");
    }
    let (status, answer) = reg.http(
        "PUT",
        "/api/v1/templates/platform/web/versions/one",
        token,
        b"",
    );
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("not a semantic version"), "{answer}");
    // carol is not in platform: she cannot publish there.
    let bad = reg.carol.run(&[
        "template",
        "publish",
        &t.path().display().to_string(),
        "--name",
        "web2",
        "--version",
        "1.0.0",
        "--group",
        "platform",
    ]);
    assert!(
        flat(&bad.stderr).contains("not a member of group platform"),
        "{}",
        bad.both()
    );
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn concurrent_publish(backend: Backend) {
    let reg = Registry::start(backend, &[]);
    let (a, b) = (template_dir("one"), template_dir("two"));
    for round in 0..3 {
        let version = format!("1.0.{round}");
        let publish = |t: &Stack| {
            let dir = t.path().display().to_string();
            let mut cmd = reg.alice.home.command(&[
                "template",
                "publish",
                &dir,
                "--name",
                "race",
                "--version",
                &version,
            ]);
            cmd.env("STACK_CONFIG_DIR", reg.alice.config_dir());
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        };
        let (first, second) = (publish(&a), publish(&b));
        let outs = [
            first.wait_with_output().unwrap(),
            second.wait_with_output().unwrap(),
        ];
        let winners = outs.iter().filter(|o| o.status.success()).count();
        let errors: Vec<String> = outs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
            .collect();
        assert_eq!(winners, 1, "round {round}: {errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| flat(e).contains("is already published")),
            "{errors:?}"
        );
    }
    let show = reg
        .alice
        .ok(&["template", "show", "platform/race", "--json"])
        .stdout;
    let detail: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(detail["versions"].as_array().unwrap().len(), 3);
    assert_eq!(reg.archive_count(None), 3);
}

fn versions_and_lock(backend: Backend) {
    let reg = Registry::start(backend, &[]);
    for (version, greeting) in [("1.0.0", "hello"), ("1.1.0", "howdy")] {
        let t = template_dir(greeting);
        let dir = t.path().display().to_string();
        reg.alice.ok(&[
            "template",
            "publish",
            &dir,
            "--name",
            "app",
            "--version",
            version,
            "--access",
            "group",
        ]);
    }
    // Versions are immutable.
    let again = template_dir("changed");
    let dir = again.path().display().to_string();
    let refused = reg.alice.run(&[
        "template",
        "publish",
        &dir,
        "--name",
        "app",
        "--version",
        "1.0.0",
    ]);
    assert!(
        flat(&refused.stderr).contains("409: platform/app 1.0.0 is already published"),
        "{}",
        refused.both()
    );

    let source = format!("registry://{}/platform/app", reg.addr);
    let pinned = module_stack(&source, "~> 1.0");
    reg.bob.ok_in(pinned.path(), &["init"]);
    assert!(pinned
        .read("stack.lock.json")
        .contains("\"version\": \"1.1.0\""));

    // A private name of someone else's is taken, and the refusal says no more.
    let mine = template_dir("mine");
    let dir = mine.path().display().to_string();
    reg.alice.ok(&[
        "template",
        "publish",
        &dir,
        "--name",
        "notes",
        "--version",
        "1.0.0",
        "--access",
        "private",
    ]);
    let taken = reg.bob.run(&[
        "template",
        "publish",
        &dir,
        "--name",
        "notes",
        "--version",
        "2.0.0",
    ]);
    assert!(
        flat(&taken.stderr).contains("409: the name platform/notes is taken"),
        "{}",
        taken.both()
    );
    assert!(!taken.stderr.contains("alice"), "{}", taken.both());

    // Only the owner (or a group admin) changes a template; others who see it get 403.
    let denied = reg.bob.run(&["template", "yank", "platform/app", "1.1.0"]);
    assert!(
        flat(&denied.stderr).contains("403: only the owner of platform/app (alice)"),
        "{}",
        denied.both()
    );
    let hidden = reg
        .carol
        .run(&["template", "yank", "platform/app", "1.1.0"]);
    assert!(
        flat(&hidden.stderr).contains("404: template platform/app not found"),
        "{}",
        hidden.both()
    );
    reg.alice.ok(&["template", "yank", "platform/app", "1.1.0"]);
    assert!(reg
        .bob
        .ok(&["template", "show", "platform/app"])
        .stdout
        .contains("1.1.0 (yanked)"));
    // The list's latest version skips the yanked one.
    let listed = reg.bob.ok(&["template", "list"]).stdout;
    assert!(listed.contains("platform/app\t1.0.0\t"), "{listed}");

    // A new stack no longer gets the yanked version; a pinned one keeps it.
    let fresh = module_stack(&source, "~> 1.0");
    reg.bob.ok_in(fresh.path(), &["init"]);
    assert!(fresh
        .read("stack.lock.json")
        .contains("\"version\": \"1.0.0\""));
    std::fs::remove_dir_all(pinned.path().join(".stack/modules")).unwrap();
    reg.bob.ok_in(pinned.path(), &["init"]);
    assert!(pinned
        .read("stack.lock.json")
        .contains("\"version\": \"1.1.0\""));
    assert!(reg
        .bob
        .ok_in(pinned.path(), &["plan"])
        .stdout
        .contains("howdy world!"));

    // A download whose digest differs from the pinned one is refused.
    let lock = pinned.read("stack.lock.json");
    let digest = lock.split("sha256:").nth(1).unwrap()[..64].to_string();
    pinned.write("stack.lock.json", &lock.replace(&digest, &"0".repeat(64)));
    let tampered = reg.bob.run_in(pinned.path(), &["init"]);
    assert_eq!(tampered.code, 1);
    assert!(
        flat(&tampered.stderr).contains("differs from sha256:0000"),
        "{}",
        tampered.both()
    );

    // Access changes: carol sees it once it is public.
    assert_eq!(reg.carol.run(&["template", "show", "platform/app"]).code, 1);
    reg.alice
        .ok(&["template", "access", "platform/app", "public"]);
    reg.carol.ok(&["template", "show", "platform/app"]);

    // The group's default template.
    reg.admin(&["group", "default", "platform", "app@~> 1.0"]);
    reg.bob.ok(&["init", "by-group", "--group", "platform"]);
    assert!(reg.bob.home.path().join("by-group/main.tf").is_file());
    let other = reg.carol.run(&["init", "by-group", "--group", "platform"]);
    assert!(
        flat(&other.stderr).contains("group platform not found"),
        "{}",
        other.both()
    );

    // Every write is in the audit log.
    let audit = reg.admin(&["audit"]).stdout;
    for needle in [
        "alice\ttemplate.publish\tplatform/app\tversion=1.1.0",
        "alice\ttemplate.yank\tplatform/app",
        "alice\ttemplate.access\tplatform/app\tpublic",
        "admin\tuser.add\tcarol",
        "admin\tgroup.default\tplatform",
    ] {
        assert!(audit.contains(needle), "{needle} missing from\n{audit}");
    }
    assert!(!audit.contains("denied"));
}

/// The access matrix once more with archives in S3 on the AWS emulator.
#[test]
fn s3_archives() {
    let emulator = aws::Emulator::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let s3 = runtime.block_on(async {
        let config = aws::sdk_config(&emulator).await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        )
    });
    let bucket = "stack-registry-test";
    runtime
        .block_on(s3.create_bucket().bucket(bucket).send())
        .expect("CreateBucket");
    let env = vec![
        ("AWS_ENDPOINT_URL".to_string(), emulator.endpoint()),
        ("AWS_ACCESS_KEY_ID".to_string(), "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), "testing".to_string()),
        ("AWS_REGION".to_string(), "us-east-1".to_string()),
    ];
    let reg = Registry::start(
        Backend::S3 {
            env,
            bucket: bucket.to_string(),
        },
        &[],
    );
    let count = || {
        let listed = runtime
            .block_on(
                s3.list_objects_v2()
                    .bucket(bucket)
                    .prefix("templates/")
                    .send(),
            )
            .unwrap();
        listed.contents().len()
    };
    let (status, _) = reg.http(
        "PUT",
        "/api/v1/templates/platform/evil/versions/1.0.0",
        Some(&reg.alice.token),
        &raw_archive("../x.tf", tar::EntryType::Regular, None, b"x"),
    );
    assert_eq!(status, 400);
    assert_eq!(reg.archive_count(Some(&count)), 0);
    publish_levels(&reg);
    assert_eq!(reg.archive_count(Some(&count)), 3);
    assert_eq!(reg.archive_count(None), 0, "nothing on local disk");
    check_matrix(&reg);
}

/// Loads a catalogue page in headless Chromium as `user`: a local page posts
/// the user's token to the sign-in form, which redirects to `path`. Returns
/// the rendered DOM; with `screenshot`, also saves a PNG of the page.
fn browse(reg: &Registry, user: &User, path: &str, screenshot: Option<&Path>) -> String {
    let chromium = std::env::var("STACK_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let page = user.home.path().join("sign-in.html");
    std::fs::write(
        &page,
        format!(
            r#"<form method="post" action="http://{}/login"><input name="token" value="{}"><input name="next" value="{path}"></form><script>document.forms[0].submit()</script>"#,
            reg.addr, user.token
        ),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let run = |extra: &[String]| {
        let out = std::process::Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--virtual-time-budget=10000",
                "--window-size=1280,1000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run {chromium} (scripts/test.sh installs Debian's chromium): {e}")
            });
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    if let Some(file) = screenshot {
        run(&[format!("--screenshot={}", file.display())]);
    }
    run(&["--dump-dom".to_string()])
}

#[test]
fn web_catalogue() {
    let reg = Registry::start(Backend::sqlite(), &[]);
    publish_levels(&reg);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("registry-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let id = |level: &str| format!(r#"id="template-platform-app-{level}""#);

    let alice = browse(
        &reg,
        &reg.alice,
        "/",
        Some(&shots.join("alice-catalogue.png")),
    );
    assert!(
        alice.contains(r#"<strong id="user">alice</strong>"#),
        "{alice}"
    );
    assert!(alice.contains(r#"id="group-platform""#), "{alice}");
    for level in LEVELS {
        assert!(
            alice.contains(&id(level)),
            "alice should see {level}:
{alice}"
        );
    }
    let carol = browse(
        &reg,
        &reg.carol,
        "/",
        Some(&shots.join("carol-catalogue.png")),
    );
    assert!(
        carol.contains(r#"<strong id="user">carol</strong>"#),
        "{carol}"
    );
    assert!(carol.contains(&id("public")), "{carol}");
    for level in ["private", "group"] {
        assert!(
            !carol.contains(&id(level)),
            "carol must not see {level}:
{carol}"
        );
        assert!(!carol.contains(&format!("app-{level}")), "{carol}");
    }

    let page = browse(
        &reg,
        &reg.alice,
        "/t/platform/app-group",
        Some(&shots.join("alice-template.png")),
    );
    for needle in [
        "stack init my-stack --template platform/app-group@1.0.0",
        "Who to greet.",
        "<code>name</code>",
        "<code>\"!\"</code>",
        "The greeting.",
        "Says hello-group.",
        "The group app.",
    ] {
        assert!(page.contains(needle), "{needle} missing from\n{page}");
    }
    let hidden = browse(
        &reg,
        &reg.carol,
        "/t/platform/app-group",
        Some(&shots.join("carol-hidden.png")),
    );
    assert!(hidden.contains(r#"id="not-found""#), "{hidden}");
    assert!(!hidden.contains("Who to greet."), "{hidden}");
    let absent = browse(&reg, &reg.carol, "/t/platform/nothing", None);
    assert_eq!(
        hidden.replace("app-group", "X"),
        absent.replace("nothing", "X")
    );
    for shot in [
        "alice-catalogue.png",
        "carol-catalogue.png",
        "alice-template.png",
    ] {
        let png = std::fs::read(shots.join(shot)).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 2000, "{shot}");
    }
}

/// Groups share roles to assume, never secrets: a reference registered by
/// alice is seen by bob (same group) and not by carol, a request carrying a
/// secret is refused and leaves no trace, and `stack init --group` writes
/// the provider block that assumes the role.
fn credential_references(backend: Backend) {
    let reg = Registry::start(backend, &[]);
    let role = "arn:aws:iam::123456789012:role/platform-deploy";
    reg.alice.ok(&[
        "credential",
        "add",
        "prod",
        "--role-arn",
        role,
        "--region",
        "eu-west-1",
        "--external-id",
        "platform-ext-7",
    ]);
    let listed = reg.bob.ok(&["credential", "list"]).stdout;
    assert!(
        listed.contains(&format!("platform/prod\t{role}\teu-west-1\tgroup\talice")),
        "{listed}"
    );
    let hidden = reg
        .carol
        .ok(&["credential", "list", "--group", "platform"])
        .stdout;
    assert!(!hidden.contains("prod"), "{hidden}");
    let (status, body) = reg.http(
        "GET",
        "/api/v1/groups/platform/credentials/prod",
        Some(&reg.carol.token),
        b"",
    );
    assert_eq!(
        (status, body.as_str()),
        (
            404,
            r#"{"error":"credential reference platform/prod not found"}"#
        )
    );

    // Secrets are refused whole, and never repeated or kept.
    let secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzEXAMPLEKEY";
    let body =
        format!(r#"{{"role_arn":"{role}","region":"eu-west-1","secret_access_key":"{secret}"}}"#);
    let (status, answer) = reg.http(
        "PUT",
        "/api/v1/groups/platform/credentials/leaky",
        Some(&reg.alice.token),
        body.as_bytes(),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("never takes AWS secrets"), "{answer}");
    assert!(!answer.contains(secret), "{answer}");
    let (status, _) = reg.http(
        "GET",
        "/api/v1/groups/platform/credentials/leaky",
        Some(&reg.alice.token),
        b"",
    );
    assert_eq!(status, 404);
    if let Backend::Sqlite = reg.backend {
        for file in walk(reg.data.path()) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(secret),
                "{} holds the secret",
                file.display()
            );
        }
    }

    // Only the owner (or a group admin) replaces or removes it.
    let denied = reg.bob.run(&[
        "credential",
        "add",
        "prod",
        "--role-arn",
        role,
        "--region",
        "us-east-1",
    ]);
    assert!(
        flat(&denied.stderr).contains("403: only the owner of platform/prod (alice)"),
        "{}",
        denied.both()
    );

    // A new stack of the group assumes the group's role.
    let t = template_dir("hello");
    let dir = t.path().display().to_string();
    reg.alice.ok(&[
        "template",
        "publish",
        &dir,
        "--name",
        "app",
        "--version",
        "1.0.0",
        "--access",
        "group",
    ]);
    reg.admin(&["group", "default", "platform", "app@1.0.0"]);
    let created = reg.bob.ok(&["init", "site", "--group", "platform"]);
    assert!(
        created
            .stdout
            .contains(&format!("assumes {role} (platform/prod)")),
        "{}",
        created.both()
    );
    let site = reg.bob.home.path().join("site");
    let provider = std::fs::read_to_string(site.join("credentials.tf")).unwrap();
    for expected in [
        format!(r#"role_arn     = "{role}""#),
        r#"external_id  = "platform-ext-7""#.to_string(),
        r#"region = "eu-west-1""#.to_string(),
    ] {
        assert!(
            provider.contains(&expected),
            "{expected} missing from\n{provider}"
        );
    }
    reg.bob.ok_in(&site, &["validate"]);

    // Removal is audited like every write.
    reg.alice.ok(&["credential", "remove", "platform/prod"]);
    assert!(reg.bob.ok(&["credential", "list"]).stdout.is_empty());
    let audit = reg.admin(&["audit"]).stdout;
    for needle in [
        format!(
            "alice\tcredential.put\tplatform/prod\trole_arn={role} region=eu-west-1 access=group"
        ),
        "alice\tcredential.delete\tplatform/prod".to_string(),
    ] {
        assert!(audit.contains(&needle), "{needle} missing from\n{audit}");
    }
    assert!(!audit.contains("platform-ext-7"), "{audit}");
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
