//! Demo data for README command 1: organizations on every plan and members in
//! every role, all with the same password. Idempotent: re-running it changes
//! nothing that already exists. Later features extend it.

use anyhow::Context;
use app::domain::Password;
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
    let hash = app::server::password::hash_password(password)
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
    tx.commit().await?;
    print_sign_ins();
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
    println!();
}
