//! HTTP tests: the whole application driven through its router, on SQLite and PostgreSQL.

mod admin;
mod api;
mod bylines;
mod cache;
mod cases;
mod clip;
mod comments;
mod doors;
mod embeds;
mod hardening;
mod media;
mod media_listings;
mod operations;
mod quoting;
mod search;
mod sources;
mod support;
mod xss;

mod admin_cases {
    dateline_testkit::store_cases!(crate::admin:
        login_logout_and_sessions,
        login_forms_need_their_token,
        logins_are_throttled,
        admin_pages_are_locked_down,
        role_matrix,
        moderation_queue_acts_and_explains,
        the_editor_writes_within_the_role,
        profiles_users_terms_and_replies,
        settings_are_saved_for_every_instance,
        every_role_against_every_action,
        deleting_for_good_authors_and_parents,
        restore_returns_comments_where_they_were_and_author_replies_are_marked,
        scheduled_posts_read_as_published_once_due,
        https_sites_mark_cookies_secure_and_ask_for_https,
        admin_forms_read_lists_and_ask_to_sign_in,
    );
}

mod api_cases {
    dateline_testkit::store_cases!(crate::api:
        reading_with_wordpress_shapes_and_pagination,
        writing_needs_an_application_password,
        comments_through_the_api,
        links_embeds_fields_and_authors,
        wrongly_typed_fields_are_refused_by_name,
    );
}

mod embed_cases {
    dateline_testkit::store_cases!(crate::embeds:
        a_video_alone_on_its_line_becomes_a_card_from_the_kept_answer,
        an_unusable_answer_leaves_a_plain_link_and_the_save_goes_through,
        the_editor_saves_a_markdown_embed_and_a_second_save_asks_nothing_again,
        a_refreshed_answer_keeps_its_thumbnail_item,
    );
}

mod byline_cases {
    dateline_testkit::store_cases!(crate::bylines:
        outlet_and_reporter_pages_list_their_posts_with_feeds,
        the_api_lists_outlets_and_reporters_and_links_posts_to_them,
        editors_rename_and_merge_and_old_addresses_redirect,
        a_merge_by_another_process_reaches_every_instances_pages_within_a_second,
    );
}

mod cache_cases {
    dateline_testkit::store_cases!(crate::cache:
        every_reader_gets_the_same_page_compressed_and_revalidated,
        a_head_before_any_get_carries_the_get_s_validator,
        a_comment_shows_at_once_here_and_within_a_second_on_another_instance,
        another_process_writing_is_seen_within_a_second,
        nothing_of_one_visitor_is_served_to_another,
        the_cache_can_be_switched_off,
        a_kept_comment_thread_is_rendered_again_when_anything_in_it_changes,
        what_a_post_page_keeps_of_other_posts_follows_every_change,
        a_theme_s_comment_macro_renders_the_threads,
        a_search_asked_again_is_kept_until_something_changes,
        a_long_page_reaches_a_slow_reader_whole_from_the_cache,
        kept_pages_answered_before_hyper_are_hyper_s_bytes,
        a_kept_page_s_connection_is_let_go_a_header_timeout_after_its_last_answer,
    );
}

mod comment_cases {
    dateline_testkit::store_cases!(crate::comments:
        reader_posts_a_comment_and_sees_it,
        replies_thread_to_the_configured_depth,
        held_comments_show_only_to_their_author,
        failed_comments_keep_what_was_typed,
        forms_without_a_valid_token_are_refused,
        closed_posts_take_no_comments,
        closing_by_age_is_decided_per_request,
        bots_are_caught_and_hurried_comments_held,
        moderation_rules_hold_or_spam_with_reasons,
        rate_limit_and_duplicates_answer_with_the_text_kept,
        oversized_requests_are_refused_clearly,
        comments_paginate,
        newest_first_order_is_honoured,
        comment_feeds_carry_approved_public_comments,
        notifications_go_out_by_smtp,
        signed_in_people_comment_as_their_account,
    );
}

mod operations_cases {
    dateline_testkit::store_cases!(crate::operations:
        health_and_readiness_are_told_apart,
        every_rendered_answer_names_its_request,
    );
}

mod search_cases {
    dateline_testkit::store_cases!(crate::search:
        results_are_ranked_marked_and_paged,
        wordpress_search_addresses_and_feed,
        the_api_searches_with_the_same_engine,
        moderators_search_the_queue_and_readers_the_discussion,
    );
}

mod hardening_cases {
    dateline_testkit::store_cases!(crate::hardening:
        a_locked_post_shows_nothing_of_its_content_anywhere,
        api_rendered_fields_are_what_the_site_shows,
        feed_titles_are_plain_text,
        stored_source_links_that_are_not_web_addresses_are_not_links,
        contributors_never_see_others_unpublished_titles,
        strangers_cannot_lock_out_an_api_password_and_valid_requests_never_count,
        successful_logins_never_use_up_the_address_limit,
        a_login_and_its_email_share_one_count,
        author_ids_reveal_only_people_with_published_posts,
        post_password_guesses_are_limited_in_the_store,
        hostile_markdown_saves_quickly_and_renders_flat,
        replies_to_imported_reply_loops_end,
        a_failed_write_leaves_the_store_writable_and_the_text_kept,
        a_store_busy_with_another_writer_answers_try_again_with_the_text_kept,
        api_discovery_index_and_parameters,
        terms_are_changed_and_deleted_over_the_api,
        users_me_in_edit_context_and_avatars,
        empty_terms_have_a_page_but_no_sitemap_entry,
        feeds_answer_conditional_requests_and_come_in_atom,
        every_response_sets_a_permissions_policy_and_the_queue_pages,
        api_titles_have_the_same_limit_as_every_door,
        slow_and_idle_clients_are_let_go_and_do_not_block_others,
        oversized_request_headers_are_refused_with_431,
    );
}

mod quoting_cases {
    dateline_testkit::store_cases!(crate::quoting:
        the_editor_refuses_a_post_over_the_limit_and_keeps_the_form,
        editors_publish_over_the_limit_recorded_and_listed,
        the_percentage_applies_when_the_source_words_are_known,
        bulk_publishing_refuses_posts_over_the_limit,
        the_settings_change_the_limit,
        the_api_refuses_over_the_limit_unless_an_editor_overrides,
    );
}

mod clip_cases {
    dateline_testkit::store_cases!(crate::clip:
        the_admin_clips_a_url_into_the_authors_draft,
        private_addresses_are_refused_with_the_reason,
        the_api_clips_for_those_who_may_write,
    );
}

mod door_cases {
    dateline_testkit::store_cases!(crate::doors:
        api_replies_nest_no_deeper_than_the_form_allows,
        api_comments_meet_word_lists_duplicates_and_the_flood_limit,
        no_door_makes_a_page_sticky,
        pages_show_their_comments_and_take_new_ones_when_open,
        the_admin_and_the_api_refuse_the_same_posts,
        the_admin_and_the_api_grant_the_same_rights,
    );
}

mod source_cases {
    dateline_testkit::store_cases!(crate::sources:
        a_gone_source_is_said_under_the_excerpt_and_links_to_the_archive,
        the_archived_copy_is_written_by_the_editor_and_the_api,
        the_sources_report_counts_filters_and_lists_the_posts,
        moved_links_are_updated_in_bulk_by_editors_only,
    );
}

mod xss_cases {
    dateline_testkit::store_cases!(crate::xss: hostile_comments_are_inert_on_pages_and_feeds);
}

dateline_testkit::store_cases!(crate::cases:
    seed_post_reads_like_the_seed_page,
    seed_post_head_has_seo_metadata,
    query_ids_redirect_to_permalinks,
    plain_wordpress_addresses_redirect,
    nul_characters_in_requests_are_answered_cleanly,
    unreadable_addresses_and_bodies_get_proper_answers,
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
    more_tags_make_teasers_on_listings,
    protected_posts_keep_their_secrets,
);

mod media_cases {
    dateline_testkit::store_cases!(crate::media:
        an_api_upload_loses_its_gps_and_is_served_with_its_variants,
        multipart_uploads_and_documents_are_downloads,
        hostile_files_are_refused_and_nothing_is_stored,
        uploads_are_limited_per_account_per_hour,
        a_featured_image_heads_the_post_and_its_share_card,
        the_media_page_uploads_edits_and_confirms_deletes,
    );
}

mod media_listings_cases {
    dateline_testkit::store_cases!(crate::media_listings:
        listings_show_featured_thumbnails_but_not_for_locked_posts,
        feeds_carry_featured_images_as_enclosures,
        the_editor_uploads_pasted_images_through_the_media_form,
    );
}
