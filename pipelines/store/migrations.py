"""Ordered schema migrations; each runs once and is recorded in `schema_migrations`."""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "foundation: creators, videos, segments, chunks, comments, jobs, lm_calls",
        """
        CREATE SEQUENCE IF NOT EXISTS creators_id_seq;
        CREATE TABLE creators (
            id INTEGER PRIMARY KEY DEFAULT nextval('creators_id_seq'),
            slug VARCHAR NOT NULL UNIQUE,
            name VARCHAR NOT NULL,
            handle VARCHAR,
            channel_url VARCHAR,
            description VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE SEQUENCE IF NOT EXISTS videos_id_seq;
        CREATE TABLE videos (
            id INTEGER PRIMARY KEY DEFAULT nextval('videos_id_seq'),
            creator_id INTEGER NOT NULL,
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            url VARCHAR,
            title VARCHAR,
            description VARCHAR,
            published_at DATE,
            duration_s DOUBLE,
            view_count BIGINT,
            like_count BIGINT,
            chapters JSON,
            language VARCHAR,
            n_words INTEGER,
            content_hash VARCHAR NOT NULL,
            ingested_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            UNIQUE (creator_id, source_id)
        );
        CREATE TABLE segments (
            video_id INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            start_s DOUBLE,
            end_s DOUBLE,
            text VARCHAR NOT NULL
        );
        CREATE TABLE chunks (
            id VARCHAR PRIMARY KEY,
            video_id INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            start_s DOUBLE,
            end_s DOUBLE,
            text VARCHAR NOT NULL,
            n_words INTEGER NOT NULL
        );
        CREATE TABLE comments (
            video_id INTEGER NOT NULL,
            comment_id VARCHAR NOT NULL,
            parent_id VARCHAR,
            author_hash VARCHAR,
            text VARCHAR NOT NULL,
            likes BIGINT,
            published_at TIMESTAMP
        );
        CREATE TABLE jobs (
            id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            progress DOUBLE NOT NULL DEFAULT 0,
            message VARCHAR,
            params JSON,
            result JSON,
            error VARCHAR,
            items JSON,
            initiating_job_id VARCHAR,
            idempotency_key VARCHAR,
            cancel_requested BOOLEAN NOT NULL DEFAULT false,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            started_at TIMESTAMP,
            finished_at TIMESTAMP,
            heartbeat_at TIMESTAMP
        );
        CREATE TABLE lm_calls (
            job_id VARCHAR,
            role VARCHAR,
            model VARCHAR NOT NULL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cost_usd DOUBLE,
            latency_ms DOUBLE,
            cache_hit BOOLEAN,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        """,
    ),
    (
        2,
        "jobs record the prompt versions they used",
        "ALTER TABLE jobs ADD COLUMN prompt_versions JSON;",
    ),
    (
        3,
        "dna_snapshots: versioned Creator DNA",
        """
        CREATE TABLE dna_snapshots (
            id VARCHAR PRIMARY KEY,
            creator_id INTEGER NOT NULL,
            version INTEGER NOT NULL,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            corpus_hash VARCHAR NOT NULL,
            n_videos INTEGER NOT NULL,
            features JSON,
            video_features JSON,
            style_guide JSON,
            signature_phrases JSON,
            stories JSON,
            prompt_versions JSON,
            lm VARCHAR,
            job_id VARCHAR,
            UNIQUE (creator_id, version)
        );
        """,
    ),
    (
        4,
        "evidence: projects, their sources and source chunks, versioned results, checked claims",
        """
        CREATE TABLE projects (
            id VARCHAR PRIMARY KEY,
            creator_id INTEGER NOT NULL,
            working_title VARCHAR NOT NULL,
            idea VARCHAR,
            status VARCHAR NOT NULL DEFAULT 'idea',
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE TABLE sources (
            id VARCHAR PRIMARY KEY,
            project_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            uri VARCHAR NOT NULL,
            title VARCHAR,
            content_type VARCHAR,
            sha256 VARCHAR NOT NULL,
            n_words INTEGER NOT NULL,
            flags JSON,
            added_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            UNIQUE (project_id, sha256)
        );
        CREATE TABLE source_chunks (
            id VARCHAR PRIMARY KEY,
            source_id VARCHAR NOT NULL,
            project_id VARCHAR NOT NULL,
            idx INTEGER NOT NULL,
            text VARCHAR NOT NULL,
            n_words INTEGER NOT NULL,
            flagged BOOLEAN NOT NULL DEFAULT false
        );
        CREATE TABLE project_results (
            project_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            content JSON NOT NULL,
            job_id VARCHAR,
            prompt_versions JSON,
            lm VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            UNIQUE (project_id, kind, version)
        );
        CREATE TABLE claims (
            id VARCHAR PRIMARY KEY,
            project_id VARCHAR NOT NULL,
            result_version INTEGER NOT NULL,
            claim VARCHAR NOT NULL,
            verdict VARCHAR NOT NULL,
            confidence DOUBLE,
            evidence_chunk_ids JSON,
            quote VARCHAR,
            source_url VARCHAR,
            reason VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        """,
    ),
    (
        5,
        "drafts (every save a new version) and feedback",
        """
        CREATE TABLE drafts (
            project_id VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            parent_version INTEGER,
            step VARCHAR NOT NULL,
            content JSON NOT NULL,
            note VARCHAR,
            pipeline_tag VARCHAR,
            prompt_versions JSON,
            lm JSON,
            cost_usd DOUBLE,
            job_id VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            UNIQUE (project_id, version)
        );
        CREATE SEQUENCE IF NOT EXISTS feedback_id_seq;
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY DEFAULT nextval('feedback_id_seq'),
            project_id VARCHAR NOT NULL,
            draft_version INTEGER NOT NULL,
            target_type VARCHAR NOT NULL,
            target_id VARCHAR NOT NULL,
            rating INTEGER NOT NULL,
            comment VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        """,
    ),
    (
        6,
        "Prompt Lab: eval sets, eval runs and results, compiled programs",
        """
        CREATE TABLE eval_sets (
            id VARCHAR PRIMARY KEY,
            creator_id INTEGER NOT NULL,
            program VARCHAR NOT NULL,
            seed INTEGER NOT NULL,
            splits JSON NOT NULL,
            examples JSON NOT NULL,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE TABLE eval_runs (
            id VARCHAR PRIMARY KEY,
            eval_set_id VARCHAR NOT NULL,
            program VARCHAR NOT NULL,
            variant VARCHAR NOT NULL,
            split VARCHAR NOT NULL,
            prompt_versions JSON,
            compiled_id VARCHAR,
            lm VARCHAR,
            metric VARCHAR NOT NULL,
            mean DOUBLE,
            lm_calls INTEGER,
            cached_calls INTEGER,
            cost_usd DOUBLE,
            job_id VARCHAR,
            started_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            finished_at TIMESTAMP
        );
        CREATE TABLE eval_results (
            run_id VARCHAR NOT NULL,
            example_id VARCHAR NOT NULL,
            score DOUBLE NOT NULL,
            subscores JSON,
            output VARCHAR,
            error VARCHAR
        );
        CREATE TABLE compiled_programs (
            id VARCHAR PRIMARY KEY,
            program VARCHAR NOT NULL,
            creator_id INTEGER NOT NULL,
            version INTEGER NOT NULL,
            optimizer VARCHAR NOT NULL,
            metric VARCHAR NOT NULL,
            dev_score DOUBLE,
            trainset_ids JSON,
            lm VARCHAR,
            path VARCHAR NOT NULL,
            job_id VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            UNIQUE (program, creator_id, version)
        );
        """,
    ),
    (
        7,
        "assistant: chat sessions and messages",
        """
        CREATE TABLE chat_sessions (
            id VARCHAR PRIMARY KEY,
            creator_id INTEGER NOT NULL,
            project_id VARCHAR,
            title VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE SEQUENCE IF NOT EXISTS chat_messages_id_seq;
        CREATE TABLE chat_messages (
            id INTEGER PRIMARY KEY DEFAULT nextval('chat_messages_id_seq'),
            session_id VARCHAR NOT NULL,
            turn INTEGER NOT NULL,
            role VARCHAR NOT NULL,
            content VARCHAR NOT NULL,
            tool_name VARCHAR,
            tool_args JSON,
            tool_result JSON,
            status VARCHAR NOT NULL DEFAULT 'ok',
            job_id VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        """,
    ),
    (
        8,
        "jobs record the process running them (host:pid), so a restart sees a killed job at once",
        "ALTER TABLE jobs ADD COLUMN runner VARCHAR;",
    ),
    (
        9,
        "dna_snapshots in parts: the measured part is saved first; the written style guide's state, its "
        "error and the job writing it (snapshots built before this were written whole)",
        """
        ALTER TABLE dna_snapshots ADD COLUMN guide_status VARCHAR DEFAULT 'measured';
        ALTER TABLE dna_snapshots ADD COLUMN guide_error VARCHAR;
        ALTER TABLE dna_snapshots ADD COLUMN guide_job_id VARCHAR;
        UPDATE dna_snapshots SET guide_status = 'written';
        """,
    ),
]
