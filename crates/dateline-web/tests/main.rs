//! HTTP tests: the whole application driven through its router, on SQLite and PostgreSQL.

mod support;
mod cases;

dateline_testkit::store_cases!(crate::cases:
    seed_post_reads_like_the_seed_page,
    seed_post_head_has_seo_metadata,
    query_ids_redirect_to_permalinks,
    non_canonical_paths_redirect,
    pages_live_at_their_slug,
    home_paginates_with_sticky_first,
    archives_filter_and_paginate,
    unknown_archives_are_404,
    invisible_posts_are_404,
    feeds_parse_and_carry_the_attribution,
    term_feeds_list_only_their_posts,
    sitemap_and_robots,
    not_found_page_and_security_headers,
    static_assets_are_cached_and_contained,
    theme_overrides_templates_and_assets,
    times_are_shown_in_the_site_time_zone,
);
