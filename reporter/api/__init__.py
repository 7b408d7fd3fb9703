"""Fetch stage: everything that talks to Autodesk APIs or reads what they sent.

    settings     ApiSettings, QueryFilters, COMPANY_ID / is_company_id, is_loopback (the shared rules)
    retry        parse_retry_after, backoff_delay, RateLimiter (a token bucket a 429 pauses)
    http_errors  error_for_status, error_body, one_line, show_url
    redaction    Redactor, REDACTOR, forms_of, install_log_filter (no form of a token anywhere)
    connect      async_client (httpx client construction: the proxy rule, proxy errors)
    paging       has_next, next_offset, next_step (cursor and offset paging)
    http         ApiClient, Limits (the generic, layered client every API client builds on)
    tradetapp    TradeTappClient, fetch_me (TradeTapp v2 on top of ApiClient)
    data_management  DataManagementClient (APS Data Management + OSS: filing into ACC Docs)
    signed_s3    SignedUploader (the signed S3 part PUTs: never a token)
    acc_links    AccLinksClient, AccLink, link_of (BC projects/packages linked to an ACC project)
    fetch        FetchResult, fetch_records, SaveOutcome, save_fetched (many companies at once)
    tokens       TokenProvider, StaticToken, SignedInTokens, resolve_token_provider
    auth         AuthSettings, sign_in, refresh_tokens, revoke_tokens (APS OAuth with PKCE)
    loopback     the OAuth callback listener on this machine
    token_store  StoredTokens, FileTokenStore, KeyringTokenStore, choose_store
    sync_state   save_record, plan_sync, record_run (saved records, the --updated-since clock)
    models       pydantic models of the wire JSON; saved: saved files to validated records
"""
