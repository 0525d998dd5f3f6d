//! The details panel's "Usage" section: who uses the key and how, over a chosen range. The
//! chart is SVG drawn here (on the server first, so it shows before any wasm runs), which costs
//! the panels' lazily loaded wasm a few kilobytes where a charting library would cost far more.

use super::PageContext;
use crate::error::AppError;
use crate::usage::summary::thousands;
use crate::usage::{Range, Resolution, UsageReport, UsageResult};
use crate::widgets::PageClock;
use crate::wire::WireResource;
use leptos::prelude::*;
use uuid::Uuid;

const CHART_WIDTH: f64 = 336.0;
const CHART_HEIGHT: f64 = 112.0;

/// Where the range's buckets download as CSV.
pub fn csv_href(id: Uuid, range: Range) -> String {
    format!("/api/keys/{id}/usage.csv?range={}", range.code())
}

#[component]
pub fn UsageSection(id: Uuid, usage: WireResource<Result<UsageReport, AppError>>) -> impl IntoView {
    let page = expect_context::<PageContext>();
    let range = Memo::new(move |_| page.state.with(|s| s.range));
    view! {
        <section class="usage" aria-labelledby="usage-title">
            <h3 id="usage-title">"Usage"</h3>
            <div class="range-toggles" role="group" aria-label="Range">
                {Range::ALL.into_iter().map(|choice| view! {
                    <button
                        type="button"
                        class="toggle"
                        aria-pressed=move || (range.get() == choice).to_string()
                        on:click=move |_| page.go(page.state.get_untracked().with_range(choice), false)
                    >{choice.label()}</button>
                }).collect_view()}
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || usage.get().map(|report| match report {
                    Ok(report) => view! { <UsageReportView report/> }.into_any(),
                    Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <a class="download" href=move || csv_href(id, range.get()) download="">"Download CSV"</a>
        </section>
    }
}

#[component]
fn UsageReportView(report: UsageReport) -> impl IntoView {
    let clock = PageClock::expect();
    // The restriction results only where they happened: most keys have none.
    let totals: Vec<(UsageResult, u64)> = report
        .by_result()
        .into_iter()
        .filter(|(result, count)| *count > 0 || !matches!(result, UsageResult::WouldBlock | UsageResult::Blocked))
        .collect();
    let span = report.range.label();
    let summary = totals
        .iter()
        .map(|(result, count)| format!("{} {}", thousands(*count), result.label().to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ");
    let chart_name = format!("Verifications in the last {span}: {summary}");
    view! {
        <UsageChart report=report.clone() name=chart_name/>
        <table class="usage-results">
            <caption>"Usage by result"</caption>
            <tbody>
                {totals.into_iter().map(|(result, count)| view! {
                    <tr><th scope="row"><span class=format!("swatch {}", result.code()) aria-hidden="true"></span>{result.label()}</th><td>{thousands(count)}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
        <table class="usage-origins">
            <caption>"Origins"</caption>
            <thead><tr><th scope="col">"Origin"</th><th scope="col">"Verifications"</th><th scope="col">"Last seen"</th></tr></thead>
            <tbody>
                {if report.origins.is_empty() {
                    view! { <tr><td colspan="3" class="muted">{format!("No verifications in the last {span}.")}</td></tr> }.into_any()
                } else {
                    report.origins.into_iter().map(|origin| {
                        let last_seen = origin.last_seen;
                        view! {
                            <tr>
                                <td class="origin">{origin.origin}</td>
                                <td>{thousands(origin.count)}</td>
                                <td><time datetime=last_seen.to_rfc3339()>{move || clock.format(last_seen)}</time></td>
                            </tr>
                        }
                    }).collect_view().into_any()
                }}
            </tbody>
        </table>
    }
}

/// Bars over time, stacked by result. Each bar's tooltip gives its start in local time (after
/// hydration; UTC before) and its counts.
#[component]
fn UsageChart(report: UsageReport, name: String) -> impl IntoView {
    let clock = PageClock::expect();
    let highest = report.buckets.iter().map(|bucket| bucket.total()).max().unwrap_or(0).max(1) as f64;
    let slot = CHART_WIDTH / report.buckets.len().max(1) as f64;
    let width = (slot * 0.8).max(1.0);
    let per = match report.resolution {
        Resolution::Day => "day",
        _ => "hour",
    };
    let bars = report
        .buckets
        .into_iter()
        .enumerate()
        .map(|(index, bucket)| {
            let x = index as f64 * slot;
            let mut top = CHART_HEIGHT;
            let rects = UsageResult::ALL
                .into_iter()
                .zip(bucket.counts)
                .filter(|(_, count)| *count > 0)
                .map(|(result, count)| {
                    let height = count as f64 / highest * CHART_HEIGHT;
                    top -= height;
                    view! { <rect class=format!("bar {}", result.code()) x=format!("{x:.2}") y=format!("{top:.2}") width=format!("{width:.2}") height=format!("{height:.2}")/> }
                })
                .collect_view();
            let counts = UsageResult::ALL
                .into_iter()
                .zip(bucket.counts)
                .filter(|(_, count)| *count > 0)
                .map(|(result, count)| format!("{} {}", thousands(count), result.label().to_lowercase()))
                .collect::<Vec<_>>();
            let counts = if counts.is_empty() { "no verifications".to_owned() } else { counts.join(", ") };
            let start = bucket.start;
            view! {
                <g>
                    <title>{move || format!("{} ({per}): {counts}", clock.format(start))}</title>
                    <rect class="slot" x=format!("{x:.2}") y="0" width=format!("{slot:.2}") height=format!("{CHART_HEIGHT}")/>
                    {rects}
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="usage-chart" role="img" aria-label=name viewBox=format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}") preserveAspectRatio="none">
            {bars}
        </svg>
    }
}
