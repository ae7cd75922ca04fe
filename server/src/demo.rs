//! Demo data for README command 1: organizations on every plan and members in
//! every role, all with the same password. Idempotent: re-running it changes
//! nothing that already exists. Later features extend it.

use anyhow::Context;
use backend::calendar::BusinessHours;
use domain::support::{ResponseTargets, TicketPriority};
use domain::Password;
use sqlx::PgPool;
use uuid::Uuid;

pub const DEMO_PASSWORD: &str = "portal-demo-2026";

struct DemoOrg {
    id: &'static str,
    name: &'static str,
    plan: &'static str,
    members: &'static [(&'static str, &'static str, &'static str)], // (email, name, role)
}

const ORGS: &[DemoOrg] = &[
    DemoOrg {
        id: "00000000-0000-4000-8000-00000000a001",
        name: "Acme Analytics",
        plan: "pro",
        members: &[
            ("owner@acme.test", "Olivia Owens", "owner"),
            ("admin@acme.test", "Adam Alvarez", "admin"),
            ("billing@acme.test", "Bea Bauer", "billing"),
            ("member@acme.test", "Max Moreau", "member"),
        ],
    },
    DemoOrg {
        id: "00000000-0000-4000-8000-00000000a002",
        name: "Globex Corporation",
        plan: "enterprise",
        members: &[
            ("owner@globex.test", "Hank Scorpio", "owner"),
            ("member@globex.test", "Homer Simpson", "member"),
        ],
    },
    DemoOrg {
        id: "00000000-0000-4000-8000-00000000a003",
        name: "Initech",
        plan: "free",
        members: &[("owner@initech.test", "Bill Lumbergh", "owner")],
    },
];

pub async fn seed(db: &PgPool) -> anyhow::Result<()> {
    let password = Password::parse(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = backend::password::hash_password(password)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = db.begin().await?;
    for org in ORGS {
        let org_id: Uuid = org.id.parse().context("demo organization id")?;
        sqlx::query!(
            "insert into organization (id, name, plan_id) values ($1, $2, $3) on conflict (id) do nothing",
            org_id,
            org.name,
            org.plan,
        )
        .execute(&mut *tx)
        .await?;
        for (email, name, role) in org.members {
            sqlx::query!(
                "insert into app_user (email, name, password_hash) values ($1, $2, $3) on conflict (email) do nothing",
                email,
                name,
                hash,
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                r#"insert into member (organization_id, user_id, role)
                   select $1, id, $3 from app_user where email = $2
                   on conflict (organization_id, user_id) do nothing"#,
                org_id,
                email,
                role,
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    seed_team(&mut tx, &hash).await?;
    seed_support(&mut tx, &hash).await?;
    tx.commit().await?;
    seed_usage_history(db).await?;
    seed_billing_history(db).await?;
    print_sign_ins();
    Ok(())
}

/// The demo's usage as the meter sees live usage: thresholds its history
/// already crossed (Acme's storage is past 80%) are recorded as alerts and
/// emailed to its billing contacts (the development mailbox), so the gauges,
/// the alerts list and the inbox agree. Through the same service as real
/// usage; a crossing is recorded and emailed once a period, so it is safe
/// at every start.
pub async fn record_usage_alerts(ctx: &backend::Ctx) -> anyhow::Result<()> {
    let ids = ORGS
        .iter()
        .map(|org| org.id.parse())
        .collect::<Result<Vec<Uuid>, _>>()
        .context("demo organization id")?;
    backend::usage::service::refresh(ctx, &ids)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// 90 days of hourly API calls (office hours, quiet weekends, steady growth,
/// some noise) and a daily storage report per organization. Acme is near its
/// Pro limits, so its gauges warn and its forecast has a date.
async fn seed_usage_history(db: &PgPool) -> anyhow::Result<()> {
    // (organization, calls per busy hour, storage MB 90 days ago, storage MB now)
    let profiles: [(&str, f64, i64, i64); 3] = [
        (ORGS[0].id, 1_000.0, 29_000, 41_500),
        (ORGS[1].id, 3_000.0, 90_000, 120_000),
        (ORGS[2].id, 8.0, 400, 650),
    ];
    for (id, busy_hour, storage_then, storage_now) in profiles {
        let org_id: Uuid = id.parse().context("demo organization id")?;
        sqlx::query!(
            r#"insert into api_call_usage (organization_id, period_start, calls)
               select $1, h,
                      round($2
                            * (0.25 + 0.75 * greatest(0, sin(pi() * (extract(hour from h at time zone 'UTC') - 6) / 14)))
                            * case when extract(isodow from h at time zone 'UTC') >= 6 then 0.35 else 1 end
                            * (0.75 + 0.25 * extract(epoch from h - (now() - interval '90 days')) / (90 * 86400))
                            * (0.85 + 0.3 * random()))::bigint
               from generate_series(date_trunc('hour', now(), 'UTC') - interval '90 days',
                                    date_trunc('hour', now(), 'UTC') - interval '1 hour',
                                    interval '1 hour') h
               on conflict (organization_id, period_start) do nothing"#,
            org_id,
            busy_hour,
        )
        .execute(db)
        .await?;
        sqlx::query!(
            r#"insert into storage_usage (organization_id, period_start, megabytes, as_of)
               select $1, d, round($2::bigint + ($3::bigint - $2::bigint) * (90 - n) / 90.0)::bigint, d
               from generate_series(0, 90) n,
                    lateral (select date_trunc('hour', now(), 'UTC') - make_interval(days => n) as d) day
               on conflict (organization_id, period_start) do nothing"#,
            org_id,
            storage_then,
            storage_now,
        )
        .execute(db)
        .await?;
    }
    Ok(())
}

/// Globex is the big customer: 240 more people, so search and pages on the
/// team page have something to do. Acme has an invitation waiting.
async fn seed_team(tx: &mut sqlx::PgConnection, hash: &str) -> anyhow::Result<()> {
    let globex: Uuid = ORGS[1].id.parse().context("demo organization id")?;
    sqlx::query!(
        r#"with users as (
               insert into app_user (email, name, password_hash)
               select format('engineer%s@globex.test', n), format('Globex Engineer %s', lpad(n::text, 3, '0')), $2
               from generate_series(1, 240) n
               on conflict (email) do nothing returning id)
           insert into member (organization_id, user_id, role)
           select $1, id, 'member' from users on conflict do nothing"#,
        globex,
        hash,
    )
    .execute(&mut *tx)
    .await?;
    let acme: Uuid = ORGS[0].id.parse().context("demo organization id")?;
    // The token is unknown (only a hash of a fixed phrase): "Resend" mails a real one.
    sqlx::query!(
        r#"insert into invitation (organization_id, email, role, token_hash, invited_by, expires_at)
           select $1, 'new.hire@acme.test', 'member', sha256('demo invitation'::bytea), id, now() + interval '7 days'
           from app_user where email = 'owner@acme.test'
           on conflict do nothing"#,
        acme,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn print_sign_ins() {
    println!("\nDemo sign-ins (password for all: {DEMO_PASSWORD})");
    for org in ORGS {
        println!("  {} ({} plan)", org.name, org.plan);
        for (email, _, role) in org.members {
            println!("    {role:<8} {email}");
        }
    }
    println!("  Support console (/staff/sign-in)");
    println!("    staff    {DEMO_STAFF_EMAIL}  (two-factor secret {DEMO_STAFF_TOTP_SECRET})");
    println!();
}

/// The company's demo support agent, who signs in on `/staff/sign-in`.
pub const DEMO_STAFF_EMAIL: &str = "staff@portal.example";
/// The demo agent's two-factor secret (base32): public, like the password.
pub const DEMO_STAFF_TOTP_SECRET: &str = "PORTALDEMOSTAFFTOTPSECRETDEMO234";

/// (organization index, requester email, subject, category, priority, status,
/// assigned to the demo agent, thread: (from staff?, internal?, body)).
type DemoTicket = (
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [(bool, bool, &'static str)],
);

const TICKETS: &[DemoTicket] = &[
    (0, "billing@acme.test", "Invoice shows our old VAT number", "billing", "high", "pending", true, &[
        (false, false, "Hi,\nour last invoice still shows the VAT number we had before the move. Could you reissue it?\nThanks, Bea"),
        (true, true, "Tax ID on the billing details was updated yesterday; invoice predates it."),
        (true, false, "Hi Bea,\nthe invoice was issued the day before you updated the tax ID. We have reissued it: you can download it from https://portal.example/billing.\nDoes it look right now?"),
    ]),
    (0, "member@acme.test", "Webhook retries stop after 3 attempts", "technical", "normal", "open", false, &[
        (false, false, "Our endpoint was down for 10 minutes and we lost events. Can the retry window be longer?"),
    ]),
    (1, "owner@globex.test", "SSO for all our engineers", "account", "urgent", "open", true, &[
        (false, false, "We are onboarding 240 engineers next week and need SAML single sign-on. What are our options?"),
        (true, true, "Enterprise plan: SSO is in scope. Loop in solutions engineering."),
    ]),
    (2, "owner@initech.test", "Where is the usage export?", "other", "low", "resolved", false, &[
        (false, false, "I can't find the CSV export of our API usage."),
        (true, false, "It is on the Usage page, top right: \"Export CSV\". Let us know if it isn't there for you."),
    ]),
];

/// A demo support agent and a few tickets with threads, once (skipped when
/// any demo organization has tickets already).
async fn seed_support(tx: &mut sqlx::PgConnection, hash: &str) -> anyhow::Result<()> {
    // Staff must use two-factor: the demo agent has it on, with a published
    // secret (add it to an authenticator app to sign in to the console). They
    // are a staff admin, so the demo can invite and deactivate staff.
    let staff_id: Uuid = sqlx::query_scalar!(
        r#"insert into app_user (email, name, password_hash, totp_secret, totp_enabled_at)
           values ($1, 'Sam Support', $2, $3, now())
           on conflict (email) do update set email = excluded.email returning id"#,
        DEMO_STAFF_EMAIL,
        hash,
        DEMO_STAFF_TOTP_SECRET,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into staff (user_id, is_admin) values ($1, true) on conflict (user_id) do nothing",
        staff_id
    )
    .execute(&mut *tx)
    .await?;
    seed_canned_replies(&mut *tx, staff_id).await?;
    let org_ids = ORGS
        .iter()
        .map(|o| o.id.parse::<Uuid>())
        .collect::<Result<Vec<_>, _>>()
        .context("demo organization id")?;
    let existing = sqlx::query_scalar!(
        r#"select count(*) as "count!" from ticket where organization_id = any($1)"#,
        &org_ids,
    )
    .fetch_one(&mut *tx)
    .await?;
    if existing > 0 {
        return Ok(());
    }
    for (age, (org, requester, subject, category, priority, status, assigned, thread)) in
        TICKETS.iter().enumerate()
    {
        // Older tickets first, a few hours apart, so the lists have an order.
        let hours_ago = ((TICKETS.len() - age) * 5) as i32;
        let ticket_id: Uuid = sqlx::query_scalar!(
            r#"insert into ticket (organization_id, requester_id, subject, category, priority, status,
                                   assignee_id, created_at, last_activity_at)
               select $1, u.id, $3, $4, $5, $6, case when $7 then $8::uuid end,
                      now() - make_interval(hours => $9), now() - make_interval(hours => $9)
               from app_user u where u.email = $2
               returning id"#,
            org_ids[*org],
            requester,
            subject,
            category,
            priority,
            status,
            assigned,
            staff_id,
            hours_ago,
        )
        .fetch_one(&mut *tx)
        .await?;
        for (n, (from_staff, internal, body)) in thread.iter().enumerate() {
            let minutes_later = (n * 40) as i32;
            sqlx::query!(
                r#"insert into ticket_message (ticket_id, author_id, author_kind, internal, body, created_at)
                   select $1, case when $3 then $4::uuid else u.id end,
                          case when $3 then 'staff' else 'customer' end, $5, $6,
                          now() - make_interval(hours => $7) + make_interval(mins => $8)
                   from app_user u where u.email = $2"#,
                ticket_id,
                requester,
                from_staff,
                staff_id,
                internal,
                body,
                hours_ago,
                minutes_later,
            )
            .execute(&mut *tx)
            .await?;
        }
        // An open ticket waits on staff since the customer's first unanswered
        // message; its response is due by the default targets and business
        // hours (the demo's own).
        let waiting = sqlx::query!(
            r#"select t.priority as "priority: TicketPriority",
                      case when t.status = 'open' then (
                          select min(m.created_at) from ticket_message m
                          where m.ticket_id = $1 and m.author_kind = 'customer' and not m.internal
                            and m.created_at > coalesce((
                                select max(s.created_at) from ticket_message s
                                where s.ticket_id = $1 and s.author_kind = 'staff' and not s.internal
                            ), '-infinity')
                      ) end as waiting_since
               from ticket t where t.id = $1"#,
            ticket_id,
        )
        .fetch_one(&mut *tx)
        .await?;
        let target = ResponseTargets::default().for_priority(waiting.priority);
        let due = waiting
            .waiting_since
            .map(|since| BusinessHours::default().due(since, target));
        // The last customer-visible message is the ticket's latest activity.
        sqlx::query!(
            r#"update ticket set last_activity_at = coalesce(
                   (select max(created_at) from ticket_message where ticket_id = $1 and not internal),
                   last_activity_at),
               response_due_at = $2
               where id = $1"#,
            ticket_id,
            due,
        )
        .execute(&mut *tx)
        .await?;
        // A resolved ticket its requester was happy with, for the console's
        // satisfaction page.
        if *status == "resolved" {
            sqlx::query!(
                r#"insert into ticket_rating (ticket_id, organization_id, rated_by, agent_id, rating, comment, rated_at)
                   select id, organization_id, requester_id, $2, 'good', 'Found it, thanks for the quick pointer.',
                          last_activity_at + interval '1 hour'
                   from ticket where id = $1"#,
                ticket_id,
                staff_id,
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// Two canned replies, unless staff already have ones with these titles.
async fn seed_canned_replies(tx: &mut sqlx::PgConnection, staff_id: Uuid) -> anyhow::Result<()> {
    const CANNED: &[(&str, &str)] = &[
        (
            "Invoice download",
            "Hi {{first_name}},\n\nEvery invoice of {{organization}} is on the Billing page: open it and \
             choose \"Download PDF\" on the invoice's row. Invoice emails also carry a link that works \
             for 30 days without signing in.\n\nBest,\n{{agent_name}}",
        ),
        (
            "Plan limits",
            "Hi {{first_name}},\n\n{{organization}} is on the {{plan}} plan. The Usage page shows where \
             you stand against each limit, and Billing → Change plan shows what the next plan adds, \
             with the prorated price before you confirm.\n\nBest,\n{{agent_name}}",
        ),
    ];
    for (title, body) in CANNED {
        sqlx::query!(
            "insert into canned_reply (title, body, created_by) values ($1, $2, $3)
             on conflict ((lower(title))) do nothing",
            title,
            body,
            staff_id,
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Billing demo data: a sandbox card, billing details and 13 months of
/// invoice history for the paid demo organizations. The history is produced
/// by the real period-end job: the subscription is moved 13 months back and
/// the job catches up, month by month. Skipped for an organization that has
/// invoices already.
async fn seed_billing_history(db: &PgPool) -> anyhow::Result<()> {
    const PAID: &[(&str, &str, &str, &str)] = &[
        (
            "00000000-0000-4000-8000-00000000a001",
            "ap@acme.test",
            "Acme Analytics GmbH",
            "DE",
        ),
        (
            "00000000-0000-4000-8000-00000000a002",
            "accounts@globex.test",
            "Globex Corporation",
            "US",
        ),
    ];
    for (id, email, company, country) in PAID {
        let org_id: Uuid = id.parse().context("demo organization id")?;
        let existing = sqlx::query_scalar!(
            r#"select count(*) as "count!" from invoice where organization_id = $1"#,
            org_id
        )
        .fetch_one(db)
        .await?;
        if existing > 0 {
            continue;
        }
        let mut tx = db.begin().await?;
        sqlx::query!(
            "update organization set billing_email = $2 where id = $1 and billing_email is null",
            org_id,
            *email,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"insert into billing_detail (organization_id, company_name, address_line1, city, postal_code, country, tax_id)
               values ($1, $2, '1 Demo Street', 'Springfield', '12345', $3, '')
               on conflict (organization_id) do nothing"#,
            org_id,
            *company,
            *country,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"insert into payment_method (organization_id, provider, provider_ref, brand, last4, exp_month, exp_year)
               values ($1, 'sandbox', 'sandbox_ok_demo', 'Visa', '4242', 12, 2030)
               on conflict (organization_id) do nothing"#,
            org_id,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"update subscription set
                 current_period_start = (date_trunc('month', now() at time zone 'UTC') - interval '13 months') at time zone 'UTC',
                 current_period_end = (date_trunc('month', now() at time zone 'UTC') - interval '12 months') at time zone 'UTC'
               where organization_id = $1"#,
            org_id,
        )
        .execute(&mut *tx)
        .await?;
        // Some busy months over the Pro plan's API call limit, billed as overage.
        sqlx::query!(
            r#"insert into api_call_usage (organization_id, period_start, calls)
               select $1, (date_trunc('month', now() at time zone 'UTC') - make_interval(months => m)) at time zone 'UTC', c
               from (values (3, 512345::bigint), (7, 534000::bigint)) as busy(m, c)
               where $2
               on conflict (organization_id, period_start) do nothing"#,
            org_id,
            *id == PAID[0].0,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    let closed = crate::workers::billing::process_due(
        db,
        &Default::default(),
        time::OffsetDateTime::now_utc(),
    )
    .await?;
    if closed > 0 {
        // The newest Globex invoice waits for payment, so the history shows both states.
        sqlx::query!(
            r#"update invoice set status = 'open', paid_at = null
               where id = (select id from invoice where organization_id = $1 order by issued_on desc limit 1)
                 and due_on >= (now() at time zone 'UTC')::date"#,
            PAID[1].0.parse::<Uuid>().context("demo organization id")?,
        )
        .execute(db)
        .await?;
    }
    Ok(())
}
