//! Retries with exponential backoff and jitter, creates that are reconciled
//! rather than sent twice, and waiting for an asynchronous resource to reach
//! a state.
//!
//! Both are our own seam rather than the SDK's: the SDK's retries are turned
//! off (so an emulator's "not implemented" is reported at once, and the call
//! count in `--stats` is exact), and this code is tested without any AWS
//! endpoint by driving it with closures and a fake clock.

use std::future::Future;
use std::time::Duration;

/// How an AWS error should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Throttling or a transient server/network failure: try again later.
    Retryable,
    /// The object does not exist.
    NotFound,
    /// Anything else: report it.
    Fatal,
}

/// Error codes AWS uses for throttling, across services.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes for transient server-side failures.
const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "Unavailable",
];

/// Classifies an error by its AWS error code and HTTP status.
pub fn classify(
    code: Option<&str>,
    http_status: Option<u16>,
    not_found_codes: &[&str],
) -> ErrorClass {
    if let Some(code) = code {
        if not_found_codes.contains(&code)
            || code.ends_with("NotFound")
            || code.ends_with("NotFoundFault")
            || code == "NoSuchBucket"
            || code == "NoSuchKey"
            || code == "NoSuchDistribution"
            || code == "NoSuchOriginAccessControl"
            || code == "NoSuchCloudFrontOriginAccessIdentity"
            || code == "NoSuchHostedZone"
            // IAM's "not found", for every kind of IAM object.
            || code == "NoSuchEntity"
            || code == "ResourceNotFoundException"
        {
            return ErrorClass::NotFound;
        }
        if THROTTLING_CODES.contains(&code) || TRANSIENT_CODES.contains(&code) {
            return ErrorClass::Retryable;
        }
        return ErrorClass::Fatal;
    }
    match http_status {
        Some(429) | Some(502) | Some(503) | Some(504) => ErrorClass::Retryable,
        Some(404) => ErrorClass::NotFound,
        // No status at all: the request never got an answer (connection reset, timeout).
        None => ErrorClass::Retryable,
        _ => ErrorClass::Fatal,
    }
}

/// Whether a failed request may have been carried out anyway: no answer
/// came back (a timeout, a connection lost after sending) or the server
/// failed internally. Throttling is a refusal, so it never did anything.
pub fn may_have_taken_effect(code: Option<&str>, http_status: Option<u16>) -> bool {
    if code.is_some_and(|c| THROTTLING_CODES.contains(&c)) || http_status == Some(429) {
        return false;
    }
    match http_status {
        None => true,
        Some(status) => status >= 500 || code.is_some_and(|c| TRANSIENT_CODES.contains(&c)),
    }
}

/// How a failed attempt of a create is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    pub class: ErrorClass,
    /// See [`may_have_taken_effect`].
    pub may_have_taken_effect: bool,
}

/// What to do after a create attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send the same request again (after a backoff).
    Retry,
    /// Look for the object first: sending again could make a second one.
    Reconcile,
    /// Report the error.
    Fail,
}

/// Decides the step after a failed create attempt. A create that may have
/// taken effect is reconciled whatever the retry budget, because finding
/// the object it made is how the object is kept rather than forgotten.
pub fn next_step(failure: Failure, retries_left: bool) -> Step {
    match failure {
        Failure {
            class: ErrorClass::Retryable,
            may_have_taken_effect: true,
        } => Step::Reconcile,
        Failure {
            class: ErrorClass::Retryable,
            ..
        } if retries_left => Step::Retry,
        _ => Step::Fail,
    }
}

/// How a create ended: its own answer, or the object found by
/// reconciliation after an answer was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created<T, U> {
    Sent(T),
    Found(U),
}

impl<T, U> Created<T, U> {
    /// What was found, or what `from_answer` takes from the create's answer.
    pub fn found_or(self, from_answer: impl FnOnce(T) -> Option<U>) -> Option<U> {
        match self {
            Created::Sent(answer) => from_answer(answer),
            Created::Found(found) => Some(found),
        }
    }
}

/// Runs a create that is not safe to send twice blindly. A throttled
/// attempt is retried; an attempt that may have taken effect is reconciled
/// with `find` first: a found object is returned as [`Created::Found`], and
/// only when nothing is found is the request sent again (with the same
/// token or tag, which the caller built once). `sleep` and `jitter` are
/// injected so that tests need no real time.
pub async fn create_with_reconcile<T, U, E, A, AF, R, RF, S, SF>(
    policy: RetryPolicy,
    mut attempt: A,
    mut find: R,
    judge: impl Fn(&E) -> Failure,
    mut sleep: S,
    jitter: impl Fn() -> f64,
) -> Result<Created<T, U>, E>
where
    A: FnMut() -> AF,
    AF: Future<Output = Result<T, E>>,
    R: FnMut() -> RF,
    RF: Future<Output = Result<Option<U>, E>>,
    S: FnMut(Duration) -> SF,
    SF: Future<Output = ()>,
{
    let mut retries = 0;
    // Set once an attempt may have taken effect unseen: a later refusal
    // ("already exists") may then be about our own object, which an
    // eventually consistent API did not show yet when we first looked.
    let mut uncertain = false;
    loop {
        let error = match attempt().await {
            Ok(value) => return Ok(Created::Sent(value)),
            Err(error) => error,
        };
        let retries_left = retries < policy.max_retries;
        match next_step(judge(&error), retries_left) {
            Step::Fail if uncertain => {
                return match find().await? {
                    Some(found) => Ok(Created::Found(found)),
                    None => Err(error),
                };
            }
            Step::Fail => return Err(error),
            Step::Reconcile => {
                uncertain = true;
                if let Some(found) = find().await? {
                    return Ok(Created::Found(found));
                }
                if !retries_left {
                    return Err(error);
                }
            }
            Step::Retry => {}
        }
        retries += 1;
        sleep(policy.delay(retries, jitter())).await;
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (1-based): exponential with
    /// "full jitter", so that many clients throttled together spread out.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let exponential = self.base_delay.saturating_mul(1u32 << attempt.min(16));
        let capped = exponential.min(self.max_delay);
        capped
            .mul_f64(jitter.clamp(0.0, 1.0))
            .max(self.base_delay / 2)
    }
}

/// A source of jitter in [0, 1): random in production, fixed in tests.
pub fn random_jitter() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom_fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

fn getrandom_fill(bytes: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(bytes)
}

/// Runs `attempt` until it succeeds, fails with a non-retryable error, or
/// the retries are used up. `sleep` is injected so tests need no real time.
pub async fn with_retries<T, E, A, AF, S, SF>(
    policy: RetryPolicy,
    mut attempt: A,
    class_of: impl Fn(&E) -> ErrorClass,
    mut sleep: S,
    jitter: impl Fn() -> f64,
) -> Result<T, E>
where
    A: FnMut() -> AF,
    AF: Future<Output = Result<T, E>>,
    S: FnMut(Duration) -> SF,
    SF: Future<Output = ()>,
{
    let mut retries = 0;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(error)
                if class_of(&error) == ErrorClass::Retryable && retries < policy.max_retries =>
            {
                retries += 1;
                sleep(policy.delay(retries, jitter())).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// What one poll of a waiter saw.
pub enum Poll<T> {
    /// The wanted state was reached.
    Ready(T),
    /// Not yet: the status seen, shown to the user as progress.
    Pending(String),
}

/// Polls until `check` says ready or `timeout` passes. Progress messages are
/// sent only when the status changes, so logs stay readable.
pub async fn wait_until<T, E, C, CF, S, SF, P>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    mut check: C,
    mut sleep: S,
    progress: &P,
    timed_out: impl Fn(String) -> E,
) -> Result<T, E>
where
    C: FnMut() -> CF,
    CF: Future<Output = Result<Poll<T>, E>>,
    S: FnMut(Duration) -> SF,
    SF: Future<Output = ()>,
    // Generic rather than `&dyn Fn`, so that callers whose future must be
    // `Send` can pass a `Sync` progress function and keep it so.
    P: Fn(&str) + ?Sized,
{
    let mut waited = Duration::ZERO;
    let mut last_status = String::new();
    loop {
        match check().await? {
            Poll::Ready(value) => return Ok(value),
            Poll::Pending(status) => {
                if status != last_status {
                    progress(&status);
                    last_status = status;
                }
            }
        }
        if waited >= timeout {
            return Err(timed_out(format!(
                "timed out after {}s waiting for {what} (last status: {})",
                waited.as_secs(),
                if last_status.is_empty() {
                    "unknown"
                } else {
                    &last_status
                }
            )));
        }
        let step = interval
            .min(timeout.saturating_sub(waited))
            .max(Duration::from_millis(1));
        sleep(step).await;
        waited += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn no_sleep(_: Duration) -> std::future::Ready<()> {
        std::future::ready(())
    }

    #[tokio::test]
    async fn throttling_is_retried_with_growing_delays_then_succeeds() {
        let calls = RefCell::new(0);
        let delays = RefCell::new(Vec::new());
        let result: Result<&str, &str> = with_retries(
            RetryPolicy {
                max_retries: 5,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(10),
            },
            || {
                *calls.borrow_mut() += 1;
                let n = *calls.borrow();
                async move {
                    if n < 4 {
                        Err("Throttling")
                    } else {
                        Ok("done")
                    }
                }
            },
            |e| classify(Some(e), Some(400), &[]),
            |d| {
                delays.borrow_mut().push(d);
                no_sleep(d)
            },
            || 1.0,
        )
        .await;
        assert_eq!(result, Ok("done"));
        assert_eq!(*calls.borrow(), 4);
        let delays = delays.borrow();
        assert_eq!(delays.len(), 3);
        assert!(delays[0] < delays[1] && delays[1] < delays[2], "{delays:?}");
    }

    #[tokio::test]
    async fn retries_stop_at_the_limit_and_fatal_errors_are_not_retried() {
        let calls = RefCell::new(0);
        let result: Result<(), &str> = with_retries(
            RetryPolicy {
                max_retries: 2,
                ..RetryPolicy::default()
            },
            || {
                *calls.borrow_mut() += 1;
                async { Err("RequestLimitExceeded") }
            },
            |e| classify(Some(e), None, &[]),
            no_sleep,
            || 0.5,
        )
        .await;
        assert_eq!(result, Err("RequestLimitExceeded"));
        assert_eq!(*calls.borrow(), 3, "one attempt and two retries");

        let calls = RefCell::new(0);
        let result: Result<(), &str> = with_retries(
            RetryPolicy::default(),
            || {
                *calls.borrow_mut() += 1;
                async { Err("InvalidParameterValue") }
            },
            |e| classify(Some(e), Some(400), &[]),
            no_sleep,
            || 0.5,
        )
        .await;
        assert_eq!(result, Err("InvalidParameterValue"));
        assert_eq!(*calls.borrow(), 1);
    }

    #[test]
    fn errors_are_classified_by_code_and_status() {
        assert_eq!(
            classify(Some("InvalidInstanceID.NotFound"), Some(400), &[]),
            ErrorClass::NotFound
        );
        assert_eq!(
            classify(Some("DBInstanceNotFound"), Some(404), &[]),
            ErrorClass::NotFound
        );
        assert_eq!(
            classify(Some("CacheClusterNotFound"), Some(404), &[]),
            ErrorClass::NotFound
        );
        assert_eq!(
            classify(Some("NoSuchEntity"), Some(404), &[]),
            ErrorClass::NotFound
        );
        assert_eq!(
            classify(Some("SlowDown"), Some(503), &[]),
            ErrorClass::Retryable
        );
        assert_eq!(classify(None, Some(503), &[]), ErrorClass::Retryable);
        assert_eq!(classify(None, None, &[]), ErrorClass::Retryable);
        assert_eq!(
            classify(
                Some("InvalidInstanceID.NotFound"),
                Some(400),
                &["InvalidInstanceID.NotFound"]
            ),
            ErrorClass::NotFound
        );
    }

    #[tokio::test]
    async fn waiters_report_each_new_status_and_time_out() {
        let seen = RefCell::new(Vec::new());
        let polls = RefCell::new(0);
        let result: Result<&str, String> = wait_until(
            "the instance to run",
            Duration::from_secs(10),
            Duration::from_secs(1),
            || {
                *polls.borrow_mut() += 1;
                let n = *polls.borrow();
                async move {
                    Ok(match n {
                        1 | 2 => Poll::Pending("pending".to_string()),
                        3 => Poll::Pending("starting".to_string()),
                        _ => Poll::Ready("running"),
                    })
                }
            },
            no_sleep,
            &|s| seen.borrow_mut().push(s.to_string()),
            |m| m,
        )
        .await;
        assert_eq!(result, Ok("running"));
        assert_eq!(*seen.borrow(), vec!["pending", "starting"]);

        let result: Result<(), String> = wait_until(
            "the distribution to deploy",
            Duration::from_secs(5),
            Duration::from_secs(2),
            || async { Ok(Poll::Pending("InProgress".to_string())) },
            no_sleep,
            &|_| {},
            |m| m,
        )
        .await;
        let err = result.unwrap_err();
        assert!(
            err.contains("timed out after 5s") && err.contains("InProgress"),
            "{err}"
        );
    }

    /// A fake attempt outcome for the create seam: the code and HTTP status
    /// an AWS error would carry, or success.
    type Outcome = Result<&'static str, (Option<&'static str>, Option<u16>)>;

    fn judge(e: &(Option<&'static str>, Option<u16>)) -> Failure {
        Failure {
            class: classify(e.0, e.1, &[]),
            may_have_taken_effect: may_have_taken_effect(e.0, e.1),
        }
    }

    /// Drives `create_with_reconcile` with scripted attempt outcomes and
    /// scripted lookups; returns the result, the attempts made and the
    /// lookups made.
    async fn run_create(
        max_retries: u32,
        outcomes: Vec<Outcome>,
        lookups: Vec<Option<&'static str>>,
    ) -> (
        Result<Created<&'static str, &'static str>, String>,
        usize,
        usize,
    ) {
        let outcomes = RefCell::new(outcomes.into_iter());
        let lookups = RefCell::new(lookups.into_iter());
        let attempts = RefCell::new(0);
        let finds = RefCell::new(0);
        let result = create_with_reconcile(
            RetryPolicy {
                max_retries,
                ..RetryPolicy::default()
            },
            || {
                *attempts.borrow_mut() += 1;
                let next = outcomes.borrow_mut().next();
                async move { next.unwrap_or(Err((Some("NoMoreScript"), Some(400)))) }
            },
            || {
                *finds.borrow_mut() += 1;
                let next = lookups.borrow_mut().next().flatten();
                async move { Ok(next) }
            },
            judge,
            no_sleep,
            || 0.5,
        )
        .await
        .map_err(|e| format!("{:?}", e.0));
        let made = *attempts.borrow();
        let looked = *finds.borrow();
        (result, made, looked)
    }

    #[test]
    fn only_unanswered_requests_and_server_failures_may_have_taken_effect() {
        assert!(may_have_taken_effect(None, None), "a timeout");
        assert!(may_have_taken_effect(Some("InternalError"), Some(500)));
        assert!(may_have_taken_effect(None, Some(503)));
        assert!(!may_have_taken_effect(
            Some("RequestLimitExceeded"),
            Some(503)
        ));
        assert!(!may_have_taken_effect(Some("SlowDown"), Some(503)));
        assert!(!may_have_taken_effect(None, Some(429)));
        assert!(!may_have_taken_effect(
            Some("InvalidParameterValue"),
            Some(400)
        ));
    }

    #[tokio::test]
    async fn a_timed_out_create_whose_object_exists_is_adopted_not_sent_again() {
        let (result, attempts, finds) =
            run_create(5, vec![Err((None, None))], vec![Some("vpc-1")]).await;
        assert_eq!(result, Ok(Created::Found("vpc-1")));
        assert_eq!((attempts, finds), (1, 1));
    }

    #[tokio::test]
    async fn a_timed_out_create_that_made_nothing_is_sent_again() {
        let (result, attempts, finds) =
            run_create(5, vec![Err((None, None)), Ok("vpc-2")], vec![None]).await;
        assert_eq!(result, Ok(Created::Sent("vpc-2")));
        assert_eq!((attempts, finds), (2, 1));
    }

    #[tokio::test]
    async fn a_timed_out_create_is_reconciled_even_without_retries_left() {
        let (result, attempts, finds) =
            run_create(0, vec![Err((None, None))], vec![Some("vpc-3")]).await;
        assert_eq!(result, Ok(Created::Found("vpc-3")));
        assert_eq!((attempts, finds), (1, 1));

        let (result, attempts, finds) = run_create(0, vec![Err((None, None))], vec![None]).await;
        assert_eq!(result, Err("None".to_string()), "the timeout is reported");
        assert_eq!((attempts, finds), (1, 1));
    }

    #[tokio::test]
    async fn a_refusal_after_a_lost_answer_looks_again_for_the_object() {
        // The first look missed the object (eventual consistency); the
        // re-sent create is refused because the name is taken, by it.
        let (result, attempts, finds) = run_create(
            5,
            vec![
                Err((None, None)),
                Err((Some("DBSubnetGroupAlreadyExists"), Some(400))),
            ],
            vec![None, Some("group-1")],
        )
        .await;
        assert_eq!(result, Ok(Created::Found("group-1")));
        assert_eq!((attempts, finds), (2, 2));
    }

    #[tokio::test]
    async fn a_throttled_create_is_retried_without_looking() {
        let (result, attempts, finds) = run_create(
            5,
            vec![Err((Some("RequestLimitExceeded"), Some(503))), Ok("sg-1")],
            vec![],
        )
        .await;
        assert_eq!(result, Ok(Created::Sent("sg-1")));
        assert_eq!((attempts, finds), (2, 0));
    }

    #[tokio::test]
    async fn a_refused_create_is_neither_retried_nor_reconciled() {
        let (result, attempts, finds) = run_create(
            5,
            vec![Err((Some("InvalidParameterValue"), Some(400)))],
            vec![Some("never")],
        )
        .await;
        assert_eq!(result, Err("Some(\"InvalidParameterValue\")".to_string()));
        assert_eq!((attempts, finds), (1, 0));
    }

    #[test]
    fn the_step_after_a_failure_depends_on_whether_it_may_have_taken_effect() {
        let timeout = Failure {
            class: ErrorClass::Retryable,
            may_have_taken_effect: true,
        };
        let throttled = Failure {
            class: ErrorClass::Retryable,
            may_have_taken_effect: false,
        };
        let refused = Failure {
            class: ErrorClass::Fatal,
            may_have_taken_effect: false,
        };
        assert_eq!(next_step(timeout, true), Step::Reconcile);
        assert_eq!(next_step(timeout, false), Step::Reconcile);
        assert_eq!(next_step(throttled, true), Step::Retry);
        assert_eq!(next_step(throttled, false), Step::Fail);
        assert_eq!(next_step(refused, true), Step::Fail);
    }
}
