//! The binary as a user runs it: `dateline serve` on a real port, `dateline post new`,
//! `dateline clip`, and the errors a user sees for bad input.

mod accounts;
mod clip;
mod crash;
mod full_disk;
mod maintenance;
mod media;
mod media_fetch;
mod migrate;
mod moderation;
mod post_new;
mod replica;
mod s3;
mod serve;
mod sources;
mod support;

dateline_testkit::store_cases!(crate::serve:
    serve_demo_shows_the_seed_post,
    demo_instances_starting_together_fill_once,
    post_new_prints_id_and_permalink,
);

mod media_on_a_shared_store {
    dateline_testkit::store_cases!(crate::media: an_upload_through_one_instance_is_served_by_another);
}

mod media_in_an_s3_bucket {
    dateline_testkit::store_cases!(crate::s3: uploads_live_in_the_bucket_and_leave_with_their_item);
}

mod crash_with_two_instances {
    dateline_testkit::store_cases!(crate::crash: two_killed_instances_keep_every_comment_they_confirmed);
}

mod sources_against_a_local_server {
    dateline_testkit::store_cases!(crate::sources:
        sources_check_gives_each_answer_its_state,
        servers_sharing_a_store_take_turns_checking,
    );
}

mod clip_into_the_store {
    dateline_testkit::store_cases!(crate::clip: clip_creates_a_draft_with_the_source_filled);
}

mod read_only_postgresql {
    // PostgreSQL alone: the SQLite half is `full_disk`'s read-only disk.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_only_postgresql_is_served_to_readers_and_refuses_writers() {
        crate::full_disk::a_read_only_postgresql_is_served_to_readers_and_refuses_writers(dateline_testkit::Db::Postgres).await;
    }
}

mod restore_under_running_postgresql_instances {
    // PostgreSQL alone: a SQLite store is restored with its server stopped (the SQLite half of
    // backup and restore is `maintenance`'s own tests).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_postgresql_restore_under_running_instances_replaces_its_blog_alone() {
        crate::maintenance::a_postgresql_restore_under_running_instances_replaces_its_blog_alone().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_postgresql_restore_of_the_wrong_or_a_damaged_backup_changes_nothing() {
        crate::maintenance::a_postgresql_restore_of_the_wrong_or_a_damaged_backup_changes_nothing().await;
    }
}

mod media_fetch_against_a_local_server {
    dateline_testkit::store_cases!(crate::media_fetch: import_brings_the_old_blogs_images_home);
}
