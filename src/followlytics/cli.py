"""The `followlytics` command line: a thin shell over the services; `--json` prints what the API returns."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from followlytics.config import Settings, get_settings
from followlytics.errors import FollowlyticsError
from followlytics.services.platform import Platform

app = typer.Typer(
    help="Followlytics Agents: a personal AI agent that knows your X audience.", no_args_is_help=True
)
users_app = typer.Typer(help="Manage users and their API keys.", no_args_is_help=True)
agents_app = typer.Typer(help="Inspect users' agents.", no_args_is_help=True)
db_app = typer.Typer(help="The control-plane database.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(agents_app, name="agents")
app.add_typer(db_app, name="db")

out = Console()
err = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (the API's shape).")]
_DEMO_MARKER = ".followlytics-demo"


@contextmanager
def _platform(settings: Settings | None = None) -> Iterator[Platform]:
    """A platform for one command; errors become a one-line message and exit code 1."""
    try:
        platform = Platform.from_settings(settings or get_settings())
        try:
            yield platform
        finally:
            platform.close()
    except FollowlyticsError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False, markup=True)
        raise typer.Exit(1) from exc


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _user_id(platform: Platform, ref: str) -> str:
    from followlytics.services.accounts import find_user

    with platform.db.session() as session:
        return find_user(session, ref).id


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="The user's email address.")],
    plan: Annotated[str, typer.Option(help="starter, pro or agency.")] = "pro",
    as_json: JsonFlag = False,
) -> None:
    """Create a user and print their API key (shown this once)."""
    from followlytics.services.accounts import create_user

    with _platform() as platform, platform.db.session() as session:
        new = create_user(session, email=email, plan=plan)
        data = {"id": new.user.id, "email": new.user.email, "plan": new.user.plan, "api_key": new.api_key}
    if as_json:
        _print_json(data)
    else:
        out.print(f"created {data['email']} ({data['plan']}), id {data['id']}")
        out.print(f"API key (shown once): [bold]{data['api_key']}[/bold]")


@users_app.command("plan")
def users_plan(
    user: Annotated[str, typer.Argument(help="User id or email.")],
    plan: Annotated[str, typer.Argument(help="starter, pro or agency.")],
    as_json: JsonFlag = False,
) -> None:
    """Change a user's plan; it applies to their next request (same as PUT /api/admin/users/{id}/plan)."""
    from followlytics.services.plans import set_plan

    with _platform() as platform:
        changed = set_plan(platform, user_id=_user_id(platform, user), plan=plan)
    if as_json:
        _print_json(changed.model_dump(mode="json"))
    elif changed.changed_at is None:
        out.print(f"{changed.email} already has the {changed.plan} plan")
    else:
        out.print(f"{changed.email}: {changed.previous_plan} -> [bold]{changed.plan}[/bold], effective now")


@app.command()
def plans(as_json: JsonFlag = False) -> None:
    """The plans: price, monthly question limit and features."""
    from followlytics.services.plans import plan_table

    table_rows = plan_table()
    if as_json:
        _print_json([row.model_dump(mode="json") for row in table_rows])
        return
    table = Table("plan", "price/month", "questions/month", "features")
    for row in table_rows:
        limit = "unlimited" if row.question_limit is None else str(row.question_limit)
        table.add_row(row.name, f"${row.price_usd}", limit, ", ".join(row.features))
    out.print(table)


@app.command()
def usage(user: Annotated[str, typer.Argument(help="User id or email.")], as_json: JsonFlag = False) -> None:
    """A user's questions this month against their plan, overage, and what they cost us."""
    from followlytics.services.quotas import user_usage

    with _platform() as platform:
        used = user_usage(platform, user_id=_user_id(platform, user))
    if as_json:
        _print_json(used.model_dump(mode="json"))
        return
    limit = "unlimited" if used.question_limit is None else f"{used.question_limit}"
    out.print(
        f"{used.plan}: {used.questions_used} of {limit} questions since {used.period_start:%Y-%m-%d} "
        f"(resets {used.period_end:%Y-%m-%d}); overage {used.overage_questions} = ${used.overage_usd}; "
        f"cost ${used.cost_usd} (model ${used.model_usd}, sandbox ${used.sandbox_usd}, "
        f"X API ${used.x_api_usd})",
        highlight=False,
    )


@app.command()
def economics(
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: this month, UTC).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Per user and month: cost (model, sandbox, X API), revenue and margin."""
    from followlytics.services.metering import economics as month_economics
    from followlytics.services.periods import parse_month

    with _platform() as platform:
        report = month_economics(platform, month=parse_month(month))
    if as_json:
        _print_json(report.model_dump(mode="json"))
        return
    table = Table("user", "plan", "questions", "model", "sandbox", "X API", "cost", "revenue", "margin")
    for row in report.users:
        table.add_row(
            row.email, row.plan, str(row.questions), f"{row.model_usd:.4f}", f"{row.sandbox_usd:.4f}",
            f"{row.x_api_usd:.2f}", f"{row.cost_usd:.2f}", f"{row.revenue_usd:.2f}", f"{row.margin_usd:.2f}",
        )  # fmt: skip
    out.print(table)
    out.print(
        f"{report.month:%Y-%m} ({report.rates} rates): cost ${report.cost_usd:.2f}, "
        f"revenue ${report.revenue_usd:.2f}, margin ${report.margin_usd:.2f}",
        highlight=False,
    )


@app.command()
def credit(as_json: JsonFlag = False) -> None:
    """The sandbox credit: spent, remaining, burn rate, run-out date, active agents, alerts."""
    from followlytics.services.ledger import credit_report

    with _platform() as platform:
        status = credit_report(platform)
    if as_json:
        _print_json(status.model_dump(mode="json"))
        return
    out.print(
        f"credit ${status.credit_usd:,.2f}: spent ${status.spent_usd:,.2f}, "
        f"remaining ${status.remaining_usd:,.2f}; "
        f"burn ${status.burn_rate_usd_per_day:,.2f}/day; run-out {status.run_out_date or 'not projected'}",
        highlight=False,
    )
    cap = " (cap reached: new users are answered statelessly)" if status.new_users_stateless else ""
    out.print(f"active agents {status.active_agents} of {status.max_active_agents}{cap}", highlight=False)
    for alert in status.alerts:
        out.print(f"[yellow]alert[/yellow] {alert.at:%Y-%m-%d %H:%M}: {alert.message}", highlight=False)


@app.command()
def kpis(
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: this month, UTC).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The KPIs: agent engagement, questions per active user, cost per question, conversion, retention."""
    from followlytics.services.kpis import kpi_report
    from followlytics.services.periods import parse_month

    with _platform() as platform:
        report = kpi_report(platform, month=parse_month(month))
    if as_json:
        _print_json(report.model_dump(mode="json"))
        return
    for name, value in report.model_dump().items():
        out.print(f"{name}: {value}", highlight=False)


@app.command()
def simulate(
    users: Annotated[int, typer.Option(help="Users simulated.", min=1)] = 10_000,
    months: Annotated[int, typer.Option(help="Months simulated (730 h each).", min=1, max=120)] = 12,
    policy: Annotated[
        list[str] | None,
        typer.Option(help="always_on, pause_on_idle or stateless; repeat for several (default: all three)."),
    ] = None,
    mix: Annotated[
        str, typer.Option(help="Usage mix: name=hours a month:share of users, comma-separated.")
    ] = "heavy=10:0.2,medium=3:0.5,light=1:0.3",
    session_minutes: Annotated[float, typer.Option(help="Length of one session of use.", min=1)] = 30,
    questions_per_hour: Annotated[float, typer.Option(help="Questions per hour of use.", min=0.1)] = 6,
    question_seconds: Annotated[float, typer.Option(help="Sandbox seconds per stateless question.")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed of session times.")] = 1,
    start: Annotated[
        str, typer.Option(help="First day simulated (YYYY-MM-DD), for run-out dates.")
    ] = "2027-01-01",
    as_json: JsonFlag = False,
) -> None:
    """Sandbox cost of each lifecycle policy for a simulated user base, and when the credit runs out."""
    from dataclasses import asdict
    from datetime import date

    from followlytics.errors import InvalidInput
    from followlytics.services.lifecycle import Policy
    from followlytics.services.rates import sandbox_rates
    from followlytics.services.simulator import POLICIES, SimulationConfig, parse_mix
    from followlytics.services.simulator import simulate as run_simulation

    settings = get_settings()
    try:
        try:
            first_day = date.fromisoformat(start)
        except ValueError:
            raise InvalidInput(f"start {start!r} is not YYYY-MM-DD", field="start") from None
        config = SimulationConfig(
            users=users,
            months=months,
            rates=sandbox_rates(settings),
            policy=Policy.of(settings),
            credit_usd=float(settings.credit_usd),
            mix=parse_mix(mix),
            session_minutes=session_minutes,
            questions_per_hour=questions_per_hour,
            question_seconds=question_seconds,
            seed=seed,
            start=first_day,
            policies=tuple(policy) if policy else POLICIES,
        )
        results = run_simulation(config)
    except FollowlyticsError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from exc
    data = {
        "users": users,
        "months": months,
        "rates": config.rates.name,
        "credit_usd": config.credit_usd,
        "mix": [asdict(m) for m in config.mix],
        "policies": {name: asdict(result) for name, result in results.items()},
    }
    if as_json:
        _print_json(data)
        return
    table = Table(
        "policy", "per user-month", *[f"{m.name}/user-month" for m in config.mix], "total", "run-out"
    )
    for name, result in results.items():
        table.add_row(
            name,
            f"${result.per_user_month_usd:,.2f}",
            *[f"${result.per_profile_user_month_usd[m.name]:,.2f}" for m in config.mix],
            f"${result.total_spend_usd:,.0f}",
            str(result.run_out_date or "lasts"),
        )
    out.print(table)
    out.print(
        f"{users:,} users x {months} months, {config.rates.name} rates, credit ${config.credit_usd:,.0f}"
    )


@app.command("import")
def import_(
    user: Annotated[str, typer.Argument(help="User id or email.")],
    files: Annotated[list[Path], typer.Argument(help="X API v2 pages (.json), JSONL or CSV files.")],
    account: Annotated[str | None, typer.Option(help="X handle this data belongs to.")] = None,
    competitor: Annotated[bool, typer.Option("--competitor", help="The account is a competitor's.")] = False,
    kind: Annotated[
        str,
        typer.Option(
            help="What the files hold: followers, following, tweets, interactions or follower-tweets."
        ),
    ] = "followers",
    taken_at: Annotated[
        str | None,
        typer.Option(help="When the data was exported (ISO 8601 with a zone, e.g. 2026-10-25T12:00:00Z)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import files as one new snapshot of an account's followers (or --kind) (all-or-nothing)."""
    from followlytics.services.imports import dataset_for_kind, import_files, parse_taken_at

    with _platform() as platform, err.status(f"validating and importing {len(files)} file(s)…"):
        result = import_files(
            platform,
            user_id=_user_id(platform, user),
            paths=files,
            handle=account,
            competitor=competitor,
            dataset=dataset_for_kind(kind),
            taken_at=parse_taken_at(taken_at),
        )
    if as_json:
        _print_json(asdict(result))
        return
    out.print(
        f"imported {result.rows:,} {_IMPORTED_ROWS[result.dataset]} of @{result.account} ({result.kind}) "
        f"from {result.records_read:,} records ({result.duplicates:,} duplicates); "
        f"snapshot {result.snapshot_id}"
    )
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


_IMPORTED_ROWS = {
    "followers": "followers",
    "following": "followed accounts",
    "tweets": "posts",
    "interactions": "interactions",
    "follower_tweets": "followers' posts",
}


@app.command()
def synth(
    followers: Annotated[int, typer.Option(help="How many followers to generate.", min=1)],
    out_file: Annotated[Path, typer.Option("--out", help="JSONL file to write.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same file.")] = 0,
    competitor_overlap: Annotated[
        float | None,
        typer.Option(
            help="Also write <out>.competitor.jsonl sharing this fraction of followers.", min=0, max=1
        ),
    ] = None,
    activity: Annotated[
        bool,
        typer.Option(
            "--activity",
            help="Also write an older snapshot, following, posts, interactions and followers' posts "
            "beside it (and the competitor's posts), with planted signals; see docs/cli.md.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Write a synthetic audience of X API v2 user objects (and, with --activity, its activity)."""
    from followlytics.audience.synth import write_jsonl
    from followlytics.audience.synth_activity import write_activity

    out_file.parent.mkdir(parents=True, exist_ok=True)
    with err.status(f"generating {followers:,} followers…"):
        summary = write_jsonl(out_file, followers, seed=seed, competitor_overlap=competitor_overlap)
    made = None
    if activity:
        with err.status("generating their activity…"):
            made = write_activity(
                out_file.parent, out_file, seed=seed, competitor_path=summary.competitor_path
            )
    if as_json:
        _print_json({**asdict(summary), **({"activity": asdict(made)} if made else {})})
        return
    out.print(f"wrote {followers:,} followers to {out_file}")
    if summary.competitor_path is not None:
        out.print(f"wrote a competitor audience to {summary.competitor_path}")
    if made is not None:
        out.print(
            f"wrote a previous snapshot ({made.gained:,} gained, {made.lost:,} lost since), "
            f"{made.following:,} followed accounts ({made.mutuals:,} mutuals), {made.tweets:,} posts, "
            f"{made.interactions:,} interactions, {made.follower_tweets:,} followers' posts"
            + (f", {made.competitor_tweets:,} competitor posts" if made.competitor_tweets_path else "")
            + f" to {out_file.parent}"
        )
        out.print(
            f"planted: best slots {', '.join(made.best_slots)}; rising terms {', '.join(made.rising_terms)}"
        )


@app.command()
def ask(
    user: Annotated[str, typer.Argument(help="User id or email.")],
    question: Annotated[str, typer.Argument(help="The question, in plain language.")],
    account: Annotated[
        str | None, typer.Option(help="Which account (handle); default: the user's own.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Ask a user's agent a question, through the same path as the API."""
    from followlytics.services.queries import ask as ask_agent

    with _platform() as platform:
        answer = ask_agent(platform, user_id=_user_id(platform, user), question=question, handle=account)
    if as_json:
        _print_json(answer.model_dump(mode="json"))
        return
    out.print(Markdown(answer.answer))
    out.print(
        f"[dim]{answer.query_id} · {answer.provider} · {answer.latency_ms} ms · ${answer.cost_usd}[/dim]",
        highlight=False,
    )


@app.command()
def feedback(
    user: Annotated[str, typer.Argument(help="User id or email.")],
    query_id: Annotated[str, typer.Argument(help="The answer's query id (`qry_…`).")],
    helpful: Annotated[bool, typer.Option("--helpful/--not-helpful", help="Whether the answer helped.")],
    note: Annotated[str | None, typer.Option(help="Why, in the user's words.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Rate one of a user's answers (the agent remembers it), as `POST /api/agents/queries/{id}/feedback`."""
    from followlytics.services.feedback import give_feedback

    with _platform() as platform:
        rated = give_feedback(
            platform, user_id=_user_id(platform, user), query_id=query_id, helpful=helpful, note=note
        )
    if as_json:
        _print_json(rated.model_dump(mode="json"))
        return
    out.print(f"{rated.query_id}: {'helpful' if rated.helpful else 'not helpful'}", highlight=False)


@agents_app.command("profile")
def agents_profile(
    user: Annotated[str, typer.Argument(help="User id or email.")],
    persona: Annotated[str | None, typer.Option(help="Who the agent is, in a phrase.")] = None,
    brand_voice: Annotated[str | None, typer.Option(help="How drafts should sound.")] = None,
    preferences: Annotated[str | None, typer.Option(help="What the user wants from answers.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show a user's agent profile; with options, change those fields ("" clears one)."""
    from followlytics.agent.prompts import AgentProfile
    from followlytics.services.agents import agent_profile, set_agent_profile

    with _platform() as platform:
        user_id = _user_id(platform, user)
        profile = agent_profile(platform, user_id=user_id)
        changes = {"persona": persona, "brand_voice": brand_voice, "preferences": preferences}
        if any(value is not None for value in changes.values()):
            merged = {**profile.to_json(), **{k: v for k, v in changes.items() if v is not None}}
            profile = set_agent_profile(platform, user_id=user_id, profile=AgentProfile.from_json(merged))
    if as_json:
        _print_json(profile.to_json())
        return
    for field in ("persona", "brand_voice", "preferences"):
        out.print(f"{field}: {getattr(profile, field) or '[dim](not set)[/dim]'}")


@agents_app.command("status")
def agents_status(
    user: Annotated[str, typer.Argument(help="User id or email.")], as_json: JsonFlag = False
) -> None:
    """Show a user's agent and its state history."""
    from followlytics.services.agents import agent_status

    with _platform() as platform:
        status = agent_status(platform, user_id=_user_id(platform, user))
    if as_json:
        _print_json(status.model_dump(mode="json"))
        return
    out.print(
        f"agent {status.id}: [bold]{status.state}[/bold] on {status.sandbox_provider} ({status.sandbox_id})"
    )
    out.print(f"last active {status.last_active_at.isoformat()}")
    out.print(
        "time in state: "
        + ", ".join(f"{state} {_duration(seconds)}" for state, seconds in status.time_in_state.items())
    )
    table = Table("from", "to", "at", "reason")
    for t in status.transitions:
        table.add_row(t["from"] or "-", t["to"] or "-", t["at"] or "-", t.get("reason") or "-")
    out.print(table)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


@app.command()
def sweep(as_json: JsonFlag = False) -> None:
    """Apply the agent lifecycle policy now: pause idle agents, archive long-paused ones and those over
    capacity, destroy agents inactive for the configured days (what the worker does periodically)."""
    from followlytics.services.lifecycle import sweep as run_sweep

    with _platform() as platform:
        report = run_sweep(platform)
    if as_json:
        _print_json(report.to_json())
        return
    out.print(
        f"{report.agents} agents: {report.paused} paused, {report.archived} archived, "
        f"{report.destroyed} destroyed, {report.lost} lost by provider, {report.skipped} skipped, "
        f"{report.failed} failed"
    )
    for action in report.actions:
        detail = f" ({action.detail})" if action.detail else ""
        out.print(f"  {action.agent_id}: {action.action} [{action.reason}] {action.outcome}{detail}")


@app.command()
def worker(
    workers: Annotated[int, typer.Option(help="Worker threads.")] = 2,
) -> None:
    """Run the job worker: the periodic lifecycle sweep and queued questions (huey consumer)."""
    import logging

    from followlytics.jobs.tasks import huey

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (also done on every start)."""
    with _platform():
        out.print("database is up to date")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings; 0: any free port).")] = None,
) -> None:
    """Serve the API and the dashboard."""
    settings = get_settings()
    _serve(settings, host=host or settings.host, port=settings.port if port is None else port)


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Folder for the demo's data; rebuilt on every run.")] = Path(
        "demo-data"
    ),
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    followers: Annotated[int, typer.Option(help="Followers of the Pro user.")] = 50_000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed and print, then exit.")] = False,
) -> None:
    """Seed a demo (a Pro and an Agency user), print their keys and curl examples, and serve."""
    from followlytics.services.demo import seed_demo

    if data_dir.exists():
        if not (data_dir / _DEMO_MARKER).exists():
            err.print(
                f"[red]error:[/red] {data_dir} exists and is not a demo folder; choose another --data-dir"
            )
            raise typer.Exit(1)
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    (data_dir / _DEMO_MARKER).touch()
    settings = Settings(data_dir=data_dir, database_url=None, host=host, port=port)
    with (
        out.status(f"seeding the demo ({followers:,} synthetic followers)…"),
        _platform(settings) as platform,
    ):
        seeded = seed_demo(platform, pro_followers=followers)
        models = platform.models.provider_names
    base = f"http://{host}:{port}"
    out.print(f"\n[bold]Followlytics demo[/bold] on {base} (API docs: {base}/docs)")
    out.print(f"Dashboard: {base}/login, log in with an API key below\n", highlight=False)
    engine = (
        " -> ".join([*models, "builtin"])
        if models
        else "the built-in engine (no model key set; see docs/llm.md)"
    )
    out.print(f"Answers come from: {engine}\n", highlight=False)
    for user in seeded:
        accounts = ", ".join(f"@{i.account} ({i.kind}, {i.rows:,} followers)" for i in user.imports)
        out.print(f"{user.plan.title()} user {user.email}: {accounts}")
        out.print(f"  API key: [bold]{user.api_key}[/bold]")
    pro, agency = seeded[0].api_key, seeded[1].api_key
    out.print("\nTry:", highlight=False)
    for key, body in (
        (pro, {"question": "Who are my most engaged followers?"}),
        (pro, {"question": "What should I post about?"}),
        (pro, {"question": "When should I post?"}),
        (agency, {"question": "What is @rival_brand doing better?"}),
        (agency, {"question": "Who should I collaborate with?"}),
    ):
        example = (
            f"curl -s -X POST {base}/api/agents/query -H 'Authorization: Bearer {key}' "
            f"-H 'Content-Type: application/json' -d '{json.dumps(body)}'"
        )
        out.print(f"  {example}\n", highlight=False, soft_wrap=True)
    if not no_serve:
        _serve(settings, host=host, port=port)


@app.command()
def bench(
    name: Annotated[
        str, typer.Argument(help="synth, import, rank, ask, analytics, tokens, lifecycle or dashboard.")
    ],
    followers: Annotated[
        int | None,
        typer.Option(help="Audience size (default 1,000,000; dashboard: the demo's 50,000).", min=1),
    ] = None,
    repeat: Annotated[int, typer.Option(help="Runs to take the median of.", min=1)] = 3,
    seed: Annotated[int, typer.Option(help="analytics: seed of the synthetic data.")] = 1,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="analytics, tokens: where generated data is kept and reused "
            "(default ~/.cache/followlytics/bench)."
        ),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="analytics: the whole report as JSON (tokens, lifecycle, dashboard always print JSON).",
        ),
    ] = False,
    pandas: Annotated[bool, typer.Option(help="analytics: also run and compare the pandas versions.")] = True,
    agent_only: Annotated[
        bool, typer.Option(help="analytics: only a real runtime answering each case once (for 10M).")
    ] = False,
) -> None:
    """Run a benchmark and print its JSON (medians of `--repeat` runs)."""
    from followlytics.bench import BENCHMARKS

    if name == "dashboard":
        from followlytics.bench_dashboard import bench_dashboard

        _print_json(bench_dashboard(followers or 50_000, repeat))
        return
    followers = followers or 1_000_000
    if name == "analytics":
        from followlytics.bench_analytics import bench_analytics

        report = bench_analytics(
            followers, repeat, seed=seed, data_dir=data_dir, pandas=pandas, agent_only=agent_only
        )
        if json_output:
            _print_json(report)
        else:
            _print_analytics_table(report)
        return
    if name == "lifecycle":
        from followlytics.bench_lifecycle import bench_lifecycle

        _print_json(bench_lifecycle(followers, repeat, data_dir=data_dir, seed=seed))
        return
    if name == "tokens":
        from followlytics.bench_tokens import bench_tokens

        _print_json(bench_tokens(followers, seed=seed, data_dir=data_dir))
        return
    if name not in BENCHMARKS:
        choices = ", ".join([*BENCHMARKS, "analytics", "tokens", "lifecycle", "dashboard"])
        err.print(f"[red]error:[/red] unknown benchmark {name!r}; choose from {choices}")
        raise typer.Exit(1)
    _print_json(BENCHMARKS[name](followers, repeat))


def _print_analytics_table(report: dict[str, Any]) -> None:
    table = Table(title=f"analytics at {report['followers']:,} followers (ms)")
    for column in ("case", "first", "warm", "pandas", "agree"):
        table.add_column(column, justify="left" if column == "case" else "right")
    for case in report["cases"]:
        if "error" in case:
            table.add_row(case["case"], "error", case["error"]["message"][:60], "", "")
            continue
        pandas = case.get("pandas_median_ms")
        agree = "" if pandas is None else ("yes" if case["agree"] else "NO")
        table.add_row(
            case["case"], f"{case['first_ms']:,}", f"{case['warm_median_ms']:,}",
            "" if pandas is None else f"{pandas:,}", agree,
        )  # fmt: skip
    out.print(table)
    out.print_json(data={**report["summary"], "runtime_peak_rss_mb": report["runtime_peak_rss_mb"]})


def _serve(settings: Settings, *, host: str, port: int) -> None:
    import uvicorn

    from followlytics.api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


if __name__ == "__main__":
    app()
