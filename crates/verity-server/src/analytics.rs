//! Analytics over HTTP: the same library calls as the `verity` commands, for browsers, scripts
//! and other nodes that would rather not install the CLI.
//!
//! * `GET  /api/v1/treaties` — the bundled regimes (id, name, rules).
//! * `GET  /api/v1/findings?treaty=ID` — treaty findings over this node's log, each finding
//!   naming the entries it used as `log:<index>` (fetch them with `/api/v1/entries/{index}`
//!   and verify their inclusion with `/api/v1/proofs/inclusion`).
//! * `POST /api/v1/treaties/{id}/check` — body: a CSV as for `verity check` (`party,as_of,...`).
//! * `POST /api/v1/safeguards/balance?alpha=0.05&irradiated=false` — body: an accountancy
//!   bundle (JSON, as for `verity safeguards balance`).
//! * `POST /api/v1/seismic/locate?model=iasp91` — body: `{"picks_csv": "...", "stations_csv": "..."}`.
//! * `POST /api/v1/space/propagate?start=ISO&end=ISO&step_min=M` — body: TLE/3LE or OMM text.
//! * `POST /api/v1/space/screen?days=D&threshold_km=K[&start=ISO][&step_s=S]` — body: a TLE/3LE
//!   or OMM catalogue; answers the JSON of `verity space screen --json`
//!   (`verity_space::bulletin::screening_json`). Bounded: at most [`SCREEN_MAX_OBJECTS`]
//!   objects (413 otherwise), [`SCREEN_MAX_DAYS`] days, [`SCREEN_MAX_THRESHOLD_KM`] km and a
//!   step within [`SCREEN_STEP_RANGE_S`] (400 otherwise); larger runs belong to the CLI.
//!
//! Analyses never write to the log: a caller who wants a result on the record signs it and
//! submits it like any other declaration (ARCHITECTURE.md, "Invariants").
//!
//! Every parser error is answered `422 invalid-input` with the library's message, which names
//! what and where; the bodies are size-limited like every other route.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::read;
use crate::error::ApiError;
use crate::state::AppState;

fn invalid(what: &str, err: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        format!("{what}: {err}"),
    )
}

fn utf8<'a>(body: &'a Bytes, what: &str) -> Result<&'a str, ApiError> {
    std::str::from_utf8(body).map_err(|e| invalid(what, format!("not UTF-8: {e}")))
}

fn treaty(id: &str) -> Result<verity_treaty::Treaty, ApiError> {
    match verity_treaty::bundled(id) {
        Some(Ok(t)) => Ok(t),
        Some(Err(e)) => Err(ApiError::internal(format!("bundled treaty {id}: {e}"))),
        None => Err(ApiError::not_found(format!(
            "no bundled treaty {id:?}; see GET /api/v1/treaties"
        ))),
    }
}

/// `GET /api/v1/treaties`
pub async fn treaties() -> Result<Json<Value>, ApiError> {
    let all = verity_treaty::all_bundled()
        .map_err(|e| ApiError::internal(format!("bundled treaties: {e}")))?;
    Ok(Json(json!({
        "treaties": all.iter().map(|t| json!({
            "id": t.id,
            "name": t.name,
            "rules": t.rules.iter().map(|r| &r.id).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()
    })))
}

#[derive(Deserialize)]
pub struct FindingsQuery {
    treaty: Option<String>,
}

/// `GET /api/v1/findings?treaty=ID`
///
/// The node keeps one running evaluation of its log ([`LogEvaluator`]) and feeds it only the
/// entries published since the last request, so the cost of a request is that of the new
/// entries, not of the whole log.
///
/// [`LogEvaluator`]: verity_treaty::log::LogEvaluator
pub async fn findings(
    State(st): State<AppState>,
    Query(q): Query<FindingsQuery>,
) -> Result<Json<Value>, ApiError> {
    // Entries read from the store per step while catching up, to bound memory.
    const CATCH_UP_CHUNK: u64 = 4096;
    let only =
        match q.treaty.as_deref() {
            Some(id) => {
                treaty(id)?;
                Some(verity_treaty::bundled_static(id).ok_or_else(|| {
                    ApiError::internal(format!("bundled treaty {id} does not parse"))
                })?)
            }
            None => None,
        };
    let core = st.core.clone();
    let (published, skipped_entries, treaties) = read(&st.core, move |s| {
        // A poisoned lock means a panic mid-feed; the evaluation may then lack an entry, so
        // start it again rather than serve it.
        let mut ev = core.findings.lock().unwrap_or_else(|e| {
            let mut g = e.into_inner();
            *g = verity_treaty::log::LogEvaluator::bundled();
            g
        });
        // Read under the lock: another request may have fed the evaluation up to a later
        // checkpoint, and the answer must name the checkpoint its findings are over.
        let published = core.published();
        let size = published.size;
        while ev.next_index() < size {
            let from = ev.next_index();
            let to = (from + CATCH_UP_CHUNK).min(size);
            let entries = s.entries(from, to).map_err(ApiError::store)?;
            for (i, e) in entries.iter().enumerate() {
                ev.add_entry(from + i as u64, e)
                    .map_err(|e| invalid("evaluation", e))?;
            }
        }
        let evaluation = ev.evaluation();
        let treaties = match only {
            Some(t) => vec![
                ev.treaty_findings(t)
                    .map_err(|e| invalid("evaluation", e))?,
            ],
            None => evaluation.treaties,
        };
        Ok((published, evaluation.skipped_entries, treaties))
    })
    .await?;
    Ok(Json(json!({
        "log": {"size": published.size, "checkpoint": published.note},
        "skipped_entries": skipped_entries,
        "treaties": treaties,
    })))
}

/// `POST /api/v1/treaties/{id}/check` with a CSV body.
pub async fn check(Path(id): Path<String>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let t = treaty(&id)?;
    let text = utf8(&body, "CSV body")?;
    let decls =
        verity_treaty::parse_csv(text, "request body", &t).map_err(|e| invalid("CSV body", e))?;
    let findings = verity_treaty::evaluate(&t, &decls, &verity_treaty::Options::default())
        .map_err(|e| invalid("evaluation", e))?;
    Ok(Json(json!({ "treaty": t.id, "findings": findings })))
}

#[derive(Deserialize)]
pub struct BalanceQuery {
    alpha: Option<f64>,
    irradiated: Option<bool>,
}

/// `POST /api/v1/safeguards/balance` with an accountancy bundle.
pub async fn safeguards_balance(
    Query(q): Query<BalanceQuery>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    use verity_safeguards::{balance, decision, model};
    let alpha = q.alpha.unwrap_or(0.05);
    let bundle = model::parse_bundle(&body).map_err(|e| invalid("accountancy bundle", e))?;
    let mb = balance::close_balances(&bundle).map_err(|e| invalid("balance", e))?;
    let decisions = decision::evaluate_balances(
        &mb,
        alpha,
        bundle.max_enrichment_pct(),
        q.irradiated.unwrap_or(false),
    )
    .map_err(|e| invalid("decision", e))?;
    Ok(Json(
        json!({ "balance": mb, "decisions": decisions, "alpha": alpha }),
    ))
}

#[derive(Deserialize)]
pub struct LocateBody {
    picks_csv: String,
    stations_csv: String,
}

#[derive(Deserialize)]
pub struct LocateQuery {
    model: Option<String>,
}

/// `POST /api/v1/seismic/locate`
pub async fn seismic_locate(
    Query(q): Query<LocateQuery>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let req: LocateBody = serde_json::from_slice(&body).map_err(|e| invalid("request body", e))?;
    let stations = verity_seismic::parse_stations_csv(&req.stations_csv)
        .map_err(|e| invalid("stations_csv", e))?;
    let picks =
        verity_seismic::parse_picks_csv(&req.picks_csv).map_err(|e| invalid("picks_csv", e))?;
    let model = q
        .model
        .as_deref()
        .unwrap_or("iasp91")
        .parse()
        .map_err(|e| invalid("model", e))?;
    let cfg = verity_seismic::LocatorConfig {
        model,
        ..verity_seismic::LocatorConfig::default()
    };
    // Location is CPU work (grid search, then least squares): keep it off the async workers.
    let loc = tokio::task::spawn_blocking(move || verity_seismic::locate(&stations, &picks, &cfg))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| invalid("location", e))?;
    Ok(Json(verity_seismic::location_json(&loc)))
}

#[derive(Deserialize)]
pub struct PropagateQuery {
    start: String,
    end: String,
    step_min: f64,
}

/// Most states one propagation request may ask for (objects × epochs).
const MAX_STATES: usize = 1_000_000;

/// `POST /api/v1/space/propagate` with element sets (TLE/3LE or OMM) as the body.
pub async fn space_propagate(
    Query(q): Query<PropagateQuery>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    use verity_space::propagate::{ephemerides, time_grid};
    let text = utf8(&body, "element sets")?;
    let sets = verity_space::omm::parse_elements(text).map_err(|e| invalid("element sets", e))?;
    let start = verity_space::Epoch::parse_iso8601(&q.start).map_err(|e| invalid("start", e))?;
    let end = verity_space::Epoch::parse_iso8601(&q.end).map_err(|e| invalid("end", e))?;
    let times = time_grid(&start, &end, q.step_min).map_err(|e| invalid("time grid", e))?;
    if sets.len().saturating_mul(times.len()) > MAX_STATES {
        return Err(invalid(
            "request",
            format!(
                "{} objects × {} epochs exceeds {MAX_STATES} states; use the CLI for large runs",
                sets.len(),
                times.len()
            ),
        ));
    }
    let objects = tokio::task::spawn_blocking(move || {
        let eph = ephemerides(&sets, &times);
        sets.iter()
            .zip(eph)
            .map(|(set, e)| match e {
                Ok(o) => o.to_json(),
                Err(err) => json!({"object": set.label(), "error": err.to_string()}),
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(json!({ "objects": objects })))
}

#[derive(Deserialize)]
pub struct ScreenQuery {
    days: f64,
    threshold_km: f64,
    start: Option<String>,
    step_s: Option<f64>,
}

/// Most objects one screening request may hold. Measured on the 2-core reference machine
/// (release build, the seeded synthetic catalogue of `verity_space::catalog`): 2,000 objects
/// over 7 days take 8.6 s at 10 km (7,386 conjunctions) and 8.7 s at 25 km (51,762
/// conjunctions, an 18 MB answer); beyond this one caller would tie up the node.
pub const SCREEN_MAX_OBJECTS: usize = 2_000;
/// Longest screening window one request may ask for (days).
pub const SCREEN_MAX_DAYS: f64 = 7.0;
/// Largest threshold (km): the number of conjunctions, and so the answer's size, grows fast
/// with it (at 100 km the week above has 529,887 conjunctions, ≈ 190 MB of JSON).
pub const SCREEN_MAX_THRESHOLD_KM: f64 = 25.0;
/// Allowed grid steps (s): the number of steps, and so the work, grows as 1/step.
pub const SCREEN_STEP_RANGE_S: (f64, f64) = (10.0, 300.0);

/// `POST /api/v1/space/screen` with a catalogue (TLE/3LE or OMM) as the body.
pub async fn space_screen(
    Query(q): Query<ScreenQuery>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    use verity_space::screen::{ScreeningOptions, screen};
    if !(q.days > 0.0 && q.days <= SCREEN_MAX_DAYS) {
        return Err(ApiError::bad_request(format!(
            "days = {}: the window must be more than 0 and at most {SCREEN_MAX_DAYS} days on this endpoint; use `verity space screen` for longer windows",
            q.days
        )));
    }
    if !(q.threshold_km > 0.0 && q.threshold_km <= SCREEN_MAX_THRESHOLD_KM) {
        return Err(ApiError::bad_request(format!(
            "threshold_km = {}: must be more than 0 and at most {SCREEN_MAX_THRESHOLD_KM} km",
            q.threshold_km
        )));
    }
    if let Some(step) = q.step_s
        && !(step >= SCREEN_STEP_RANGE_S.0 && step <= SCREEN_STEP_RANGE_S.1)
    {
        return Err(ApiError::bad_request(format!(
            "step_s = {step}: must be between {} and {} s",
            SCREEN_STEP_RANGE_S.0, SCREEN_STEP_RANGE_S.1
        )));
    }
    let start = q
        .start
        .as_deref()
        .map(verity_space::Epoch::parse_iso8601)
        .transpose()
        .map_err(|e| invalid("start", e))?;
    // The same defaults as `verity space screen` (the library's).
    let defaults = ScreeningOptions::default();
    let opts = ScreeningOptions {
        threshold_km: q.threshold_km,
        step_s: q.step_s.unwrap_or(defaults.step_s),
        ..defaults
    };
    let duration = q.days * 86_400.0;
    // Parsing (up to the body limit) and screening (seconds) are CPU work: keep them off the
    // async workers.
    let report = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let text = utf8(&body, "catalogue")?;
        let sets =
            verity_space::omm::parse_elements(text).map_err(|e| invalid("catalogue", e))?;
        if sets.is_empty() {
            return Err(invalid("catalogue", "no element sets"));
        }
        let mut objects: Vec<u32> = sets.iter().map(|e| e.catalog_number).collect();
        objects.sort_unstable();
        objects.dedup();
        if objects.len() > SCREEN_MAX_OBJECTS {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                format!(
                    "{} objects: this endpoint screens at most {SCREEN_MAX_OBJECTS}; use `verity space screen` for larger catalogues",
                    objects.len()
                ),
            ));
        }
        // No clock: the default start is the latest element-set epoch, as in the CLI.
        let start = start.unwrap_or_else(|| {
            sets.iter()
                .map(|e| e.epoch)
                .fold(sets[0].epoch, |a, b| if b > a { b } else { a })
        });
        screen(&sets, &start, duration, &opts, &|_, _| {}).map_err(|e| invalid("screening", e))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(verity_space::bulletin::screening_json(&report)))
}
