//! The storage contract suite: every case below runs on SQLite (a fresh file per
//! case; once with inline reads, once with reads on the blocking pool) and on PostgreSQL (a fresh schema per case) when
//! `FOXDEN_TEST_POSTGRES_URL` is set, e.g.
//! `FOXDEN_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo test -p foxden-db`.
//! Without it the PostgreSQL cases print that they were skipped and pass; with
//! `CI=true` they fail instead.

mod accounts;
mod backend;
mod codes;
mod devices;
mod fixtures;
mod flows;
mod harness;
mod mail_queue;
mod oauth;
mod password;
mod pg_session_cache;
mod profiles;
mod push_queue;
mod rate_limits;
mod reset;
mod security;
mod session_cache;
mod sessions;
mod sqlite_wal;
mod tokens;
mod transactions;
mod verify;

/// Declares each case once per backend: `on_sqlite::<case>` (reads inline, the default),
/// `on_sqlite_blocking_reads::<case>` and `on_postgres::<case>`.
macro_rules! contract_cases {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::harness::on_sqlite(crate::$module::$case).await
                }
            )*
        }
        mod on_sqlite_blocking_reads {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::harness::on_sqlite_blocking_reads(crate::$module::$case).await
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::harness::on_postgres(crate::$module::$case).await
                }
            )*
        }
    };
}

contract_cases! {
    accounts::ping_name_and_repeat_migrate,
    accounts::account_round_trip_v1_all_none,
    accounts::account_round_trip_v2_all_some,
    accounts::missing_account,
    accounts::duplicate_email_writes_nothing,
    accounts::duplicate_uid_or_session_writes_nothing,
    accounts::replace_uid_recreates_account,
    accounts::replace_uid_rolls_back_on_duplicate,
    accounts::delete_account_cascades,
    accounts::set_email_verified_reports_change,
    verify::verify_with_session_code,
    verify::verify_with_email_code_only,
    verify::verify_with_signup_code_matches_both,
    verify::verify_with_wrong_code_changes_nothing,
    verify::verify_is_scoped_to_the_account,
    verify::verify_session_on_verified_account,
    verify::verify_key_fetch_only_code,
    sessions::sessions_round_trip_in_order,
    sessions::create_session_duplicate_writes_nothing,
    sessions::create_session_needs_the_account,
    sessions::delete_session_takes_its_key_fetch_tokens,
    sessions::concurrent_session_deletes_have_one_winner,
    sessions::touch_session_sets_last_access,
    sessions::session_reads_follow_every_write,
    sessions::reauth_replaces_verification_state,
    sessions::reauth_of_missing_session_writes_nothing,
    sessions::key_fetch_token_is_single_use,
    tokens::plain_tokens_round_trip_and_are_single_use,
    tokens::account_reset_replaces_password_change_accumulates,
    tokens::password_forgot_round_trip_and_replace,
    tokens::password_forgot_tries_count_down_to_deletion,
    tokens::concurrent_tries_are_counted_exactly,
    tokens::exchange_forgot_for_reset_is_atomic,
    tokens::concurrent_exchanges_have_one_winner,
    tokens::exchange_for_another_account_writes_nothing,
    tokens::prune_expired_by_creation_time,
    password::create_password_change_round_trip,
    password::change_password_replaces_credentials_and_tokens,
    password::change_password_replay_writes_nothing,
    password::change_token_of_another_account_writes_nothing,
    password::failed_change_password_leaves_nothing_behind,
    password::concurrent_password_changes_have_one_winner,
    reset::reset_account_replaces_credentials_keys_and_tokens,
    reset::reset_account_replay_writes_nothing,
    reset::failed_reset_account_leaves_nothing_behind,
    security::security_events_round_trip_newest_first,
    security::verified_event_from_ip_since_matches_exactly,
    security::security_event_verified_when_its_session_is_verified,
    codes::one_time_code_is_consumed_once,
    codes::replace_drops_only_the_same_kind,
    codes::storing_a_code_again_updates_its_time,
    codes::delete_one_time_codes_counts,
    codes::one_time_codes_need_and_go_with_their_account,
    codes::concurrent_consumes_have_one_winner,
    codes::prune_expired_one_time_codes,
    rate_limits::rate_limit_bans_past_max_until_the_ban_ends,
    rate_limits::rate_limit_ended_ban_restarts_a_running_window,
    rate_limits::rate_limit_window_end_restarts_the_count,
    rate_limits::rate_limit_keys_are_independent,
    rate_limits::rate_limit_ban_peeks_without_counting,
    rate_limits::rate_limit_clear_forgets_counts_and_bans,
    rate_limits::rate_limit_release_takes_back_one_count_but_no_ban,
    rate_limits::concurrent_counts_are_never_lost,
    rate_limits::prune_expired_rate_limits,
    mail_queue::mail_is_claimed_once_per_lease,
    mail_queue::claim_takes_the_oldest_due_first_up_to_the_limit,
    mail_queue::sent_retried_and_given_up_mail,
    mail_queue::mail_enqueued_in_a_transaction_needs_its_commit,
    mail_queue::concurrent_claimers_never_share_a_message,
    mail_queue::depth_counts_queued_and_untried_mail,
    push_queue::push_round_trips_and_is_claimed_once_per_lease,
    push_queue::push_claim_takes_the_oldest_due_first_up_to_the_limit,
    push_queue::pushes_sent_retried_and_given_up,
    push_queue::push_enqueued_in_a_transaction_needs_its_commit,
    push_queue::drop_pushes_to_takes_only_that_device_and_endpoint,
    push_queue::concurrent_push_claimers_never_share_a_message,
    oauth::oauth_clients_round_trip_register_and_rotate,
    oauth::oauth_code_is_taken_once_even_concurrently,
    oauth::oauth_tokens_round_trip_touch_and_revoke,
    oauth::delete_oauth_of_takes_only_that_account,
    oauth::deleting_oauth_client_or_account_removes_its_grants,
    oauth::prune_expired_oauth_access_tokens_and_codes,
    profiles::display_name_round_trip_bumps_profile_changed_at,
    profiles::display_name_of_a_missing_account,
    devices::devices_round_trip_update_and_lookups,
    devices::one_device_per_session_even_concurrently,
    devices::device_needs_its_account_session_or_token,
    devices::device_goes_with_its_session_token_or_account,
    devices::delete_device_takes_its_session_or_refresh_token,
    devices::prune_keeps_sessions_with_a_device,
    devices::device_commands_page_expire_and_never_reuse_an_index,
    devices::expire_push_endpoint_only_for_the_current_callback,
    transactions::dropped_transaction_writes_nothing,
    transactions::composed_operations_commit_together,
    transactions::failed_statement_blocks_the_commit,
    transactions::concurrent_transactions_commit_each_or_nothing,
    transactions::cancelled_transactions_leave_the_writer_free,
}
