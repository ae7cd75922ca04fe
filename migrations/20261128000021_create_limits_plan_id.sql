-- The plan whose limits an organization works within: its own, or the Free
-- plan's while its subscription is unpaid (every dunning retry failed). One
-- definition for the API allowance, the usage page and the dashboard, which
-- each wrote this rule out before. A plain SQL expression: Postgres inlines it.
create function limits_plan_id(plan_id text, subscription_status text) returns text
    language sql immutable parallel safe
    return case when subscription_status = 'unpaid' then 'free' else plan_id end;
