-- 0027_content_version: one version for what a post page shows of other posts and of the site
-- (the navigation's categories and pages, the related posts), moved by the database itself on
-- every write to posts, terms or posts' terms, reporters and outlets, whoever makes it. A post
-- page reads the version with everything else and reads those parts again only when it moved
-- or when a post it could show becomes due (docs/PERFORMANCE.md, "Stop 41").
--
-- SQLite has one writer at a time, so the versions follow the order of the writes.
CREATE TABLE content_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);
CREATE TRIGGER posts_content_insert AFTER INSERT ON posts BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER posts_content_update AFTER UPDATE ON posts BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER posts_content_delete AFTER DELETE ON posts BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER terms_content_insert AFTER INSERT ON terms BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER terms_content_update AFTER UPDATE ON terms BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER terms_content_delete AFTER DELETE ON terms BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER post_terms_content_insert AFTER INSERT ON post_terms BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER post_terms_content_update AFTER UPDATE ON post_terms BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER post_terms_content_delete AFTER DELETE ON post_terms BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER post_reporters_content_insert AFTER INSERT ON post_reporters BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER post_reporters_content_update AFTER UPDATE ON post_reporters BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER post_reporters_content_delete AFTER DELETE ON post_reporters BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER post_outlets_content_insert AFTER INSERT ON post_outlets BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER post_outlets_content_update AFTER UPDATE ON post_outlets BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER post_outlets_content_delete AFTER DELETE ON post_outlets BEGIN UPDATE content_version SET version = version + 1; END;
