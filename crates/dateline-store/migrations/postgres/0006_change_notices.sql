-- Word of every committed change to what readers see, for the page caches of every instance
-- on this database (they LISTEN on dateline_changes_<schema>: blogs kept in other schemas of
-- the same database do not wake each other). NOTIFY is transactional: it is delivered
-- at commit and not at all on rollback, and PostgreSQL folds the identical notices of one
-- transaction into one, so an import of 200,000 comments says so once.
CREATE FUNCTION dateline_notify_change() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('dateline_changes_' || current_schema(), '');
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER posts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON posts FOR EACH STATEMENT EXECUTE FUNCTION dateline_notify_change();
CREATE TRIGGER comments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON comments FOR EACH STATEMENT EXECUTE FUNCTION dateline_notify_change();
CREATE TRIGGER terms_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON terms FOR EACH STATEMENT EXECUTE FUNCTION dateline_notify_change();
CREATE TRIGGER post_terms_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON post_terms FOR EACH STATEMENT EXECUTE FUNCTION dateline_notify_change();
CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION dateline_notify_change();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings FOR EACH STATEMENT EXECUTE FUNCTION dateline_notify_change();
CREATE TRIGGER meta_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON meta FOR EACH STATEMENT EXECUTE FUNCTION dateline_notify_change();
CREATE TRIGGER redirects_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON redirects FOR EACH STATEMENT EXECUTE FUNCTION dateline_notify_change();
CREATE TRIGGER media_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON media FOR EACH STATEMENT EXECUTE FUNCTION dateline_notify_change();
