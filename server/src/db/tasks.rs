//! Tasks: typed by the advisor or opened by the rules (cadence, thank-you, next step, referral
//! outcome), done and reopened, listed by scope.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use shared::api::{TaskQuery, TaskScope};
use shared::record::{display_name, ContactKind};
use shared::visit::effects::NewTask;
use shared::visit::{Priority, Task, TaskInput, TaskSource};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::builder::Sql;
use super::engine::{map_unique, SqlStore};
use super::{Actor, Scope, StoreError, StoreResult};

pub const TASK_SELECT: &str =
    "SELECT t.id, t.title, t.notes, t.due_on, t.priority, t.contact_id, c.kind AS contact_kind, \
     c.first_name, c.last_name, c.company_name, t.owner_id, u.display_name AS owner_name, t.source, t.done_at, \
     t.created_at, t.seq FROM tasks t JOIN users u ON u.id = t.owner_id LEFT JOIN contacts c ON c.id = t.contact_id";

#[derive(Debug, sqlx::FromRow)]
pub struct TaskRow {
    pub id: Uuid,
    pub title: String,
    pub notes: String,
    pub due_on: NaiveDate,
    pub priority: String,
    pub contact_id: Option<Uuid>,
    pub contact_kind: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub source: String,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub seq: i64,
}

impl TaskRow {
    pub fn into_task(self) -> StoreResult<Task> {
        let contact_name = self.contact_kind.as_deref().map(|k| {
            display_name(
                ContactKind::parse(k).unwrap_or_default(),
                self.first_name.as_deref().unwrap_or(""),
                self.last_name.as_deref().unwrap_or(""),
                self.company_name.as_deref().unwrap_or(""),
            )
        });
        Ok(Task {
            id: self.id,
            title: self.title,
            notes: self.notes,
            due_on: self.due_on,
            priority: Priority::parse(&self.priority)
                .ok_or_else(|| StoreError::Corrupt(format!("priority {:?}", self.priority)))?,
            contact_id: self.contact_id,
            contact_name,
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            source: TaskSource::parse(&self.source)
                .ok_or_else(|| StoreError::Corrupt(format!("task source {:?}", self.source)))?,
            done_at: self.done_at,
            created_at: self.created_at,
            seq: self.seq,
        })
    }
}

/// Tasks.
#[async_trait]
pub trait TaskStore: Send + Sync {
    // Tasks.
    async fn create_task(&self, actor: &Actor, id: Uuid, input: &TaskInput, now: DateTime<Utc>) -> StoreResult<Task>;
    async fn update_task(&self, actor: &Actor, id: Uuid, input: &TaskInput, now: DateTime<Utc>) -> StoreResult<Task>;
    async fn set_task_done(&self, actor: &Actor, id: Uuid, done: bool, now: DateTime<Utc>) -> StoreResult<Task>;
    async fn delete_task(&self, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    async fn task(&self, actor: &Actor, id: Uuid) -> StoreResult<Task>;
    async fn tasks(&self, actor: &Actor, query: &TaskQuery, today: NaiveDate) -> StoreResult<Vec<Task>>;
    /// Opens a follow-up task for every client of the agency due by the cadence that has
    /// none open; returns how many were created. Idempotent.
    async fn generate_cadence_tasks(&self, agency_id: Uuid, today: NaiveDate) -> StoreResult<u64>;
    async fn agency_ids(&self) -> StoreResult<Vec<Uuid>>;
}

#[engine_bounds]
impl<E> SqlStore<E> {
    pub(crate) async fn insert_task(
        tx: &mut E::Connection,
        agency_id: Uuid,
        author: Uuid,
        t: &NewTask,
        seq: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Uuid> {
        sqlx::query(
            "INSERT INTO tasks (id, agency_id, owner_id, contact_id, title, notes, due_on, priority, priority_rank, source, source_id, \
             done_at, created_at, created_by, updated_at, seq, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13, $12, $14, NULL)",
        )
        .bind(t.id)
        .bind(agency_id)
        .bind(t.owner_id)
        .bind(t.contact_id)
        .bind(&t.title)
        .bind(&t.notes)
        .bind(t.due_on)
        .bind(t.priority.as_str())
        .bind(t.priority.rank())
        .bind(t.source.as_str())
        .bind(t.source_id)
        .bind(now)
        .bind(author)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "cette tâche existe déjà"))?;
        Ok(t.id)
    }

    pub(crate) async fn task_row(tx: &mut E::Connection, scope: impl Into<Scope>, id: Uuid) -> StoreResult<TaskRow> {
        let scope = scope.into();
        let mut qb = Sql::<E>::new(TASK_SELECT);
        qb.push(" WHERE t.id = ")
            .push_bind(id)
            .push(" AND t.agency_id = ")
            .push_bind(scope.agency_id)
            .push(" AND t.deleted_at IS NULL");
        if !scope.whole_agency {
            qb.push(" AND t.owner_id = ").push_bind(scope.user_id);
        }
        qb.fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)
    }
}

#[engine_bounds]
#[async_trait]
impl<E> TaskStore for SqlStore<E> {
    async fn create_task(&self, actor: &Actor, id: Uuid, input: &TaskInput, now: DateTime<Utc>) -> StoreResult<Task> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let owner_id = input.owner_id.unwrap_or(actor.user_id);
        if owner_id != actor.user_id && !actor.sees_whole_agency() {
            return Err(StoreError::Forbidden("un conseiller se crée des tâches à lui-même"));
        }
        let owner_name = self.check_owner(&mut tx, actor.agency_id, owner_id).await?;
        let contact = match input.contact_id {
            Some(c) => Some(Self::named_record(&mut tx, actor, c).await?),
            None => None,
        };
        let task = NewTask {
            id,
            owner_id,
            contact_id: input.contact_id,
            title: input.title.clone(),
            notes: input.notes.clone(),
            due_on: input.due_on,
            priority: input.priority,
            source: TaskSource::Manual,
            source_id: None,
        };
        Self::insert_task(&mut tx, actor.agency_id, actor.user_id, &task, seq, now).await?;
        tx.commit().await?;
        // The answer is what was just written, with the names the checks read: no re-read.
        TaskRow {
            id,
            title: task.title,
            notes: task.notes,
            due_on: task.due_on,
            priority: task.priority.as_str().to_owned(),
            contact_id: task.contact_id,
            contact_kind: contact.as_ref().map(|c| c.kind.clone()),
            first_name: contact.as_ref().map(|c| c.first_name.clone()),
            last_name: contact.as_ref().map(|c| c.last_name.clone()),
            company_name: contact.map(|c| c.company_name),
            owner_id,
            owner_name,
            source: TaskSource::Manual.as_str().to_owned(),
            done_at: None,
            created_at: now,
            seq,
        }
        .into_task()
    }

    async fn update_task(&self, actor: &Actor, id: Uuid, input: &TaskInput, now: DateTime<Utc>) -> StoreResult<Task> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let current = Self::task_row(&mut tx, actor, id).await?;
        let owner_id = input.owner_id.unwrap_or(current.owner_id);
        if owner_id != current.owner_id {
            if !actor.sees_whole_agency() {
                return Err(StoreError::Forbidden("seul le chef d'agence réattribue une tâche"));
            }
            self.check_owner(&mut tx, actor.agency_id, owner_id).await?;
        }
        if let Some(c) = input.contact_id.filter(|c| Some(*c) != current.contact_id) {
            Self::named_record(&mut tx, actor, c).await?;
        }
        sqlx::query(
            "UPDATE tasks SET title = $3, notes = $4, due_on = $5, priority = $6, priority_rank = $7, contact_id = $8, owner_id = $9, \
             updated_at = $10, seq = $11 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(&input.title)
        .bind(&input.notes)
        .bind(input.due_on)
        .bind(input.priority.as_str())
        .bind(input.priority.rank())
        .bind(input.contact_id)
        .bind(owner_id)
        .bind(now)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        let row = Self::task_row(&mut tx, Scope::agency(actor.agency_id), id).await?;
        tx.commit().await?;
        row.into_task()
    }

    async fn set_task_done(&self, actor: &Actor, id: Uuid, done: bool, now: DateTime<Utc>) -> StoreResult<Task> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        Self::task_row(&mut tx, actor, id).await?;
        sqlx::query("UPDATE tasks SET done_at = $3, updated_at = $4, seq = $5 WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(actor.agency_id)
            .bind(done.then_some(now))
            .bind(now)
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_unique(e, "une tâche de suivi est déjà ouverte pour ce dossier"))?;
        let row = Self::task_row(&mut tx, Scope::agency(actor.agency_id), id).await?;
        tx.commit().await?;
        row.into_task()
    }

    async fn delete_task(&self, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        Self::task_row(&mut tx, actor, id).await?;
        sqlx::query("UPDATE tasks SET deleted_at = $3, updated_at = $3, seq = $4 WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(actor.agency_id)
            .bind(now)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn task(&self, actor: &Actor, id: Uuid) -> StoreResult<Task> {
        let mut tx = self.begin().await?;
        let row = Self::task_row(&mut tx, actor, id).await?;
        tx.commit().await?;
        row.into_task()
    }

    async fn tasks(&self, actor: &Actor, q: &TaskQuery, today: NaiveDate) -> StoreResult<Vec<Task>> {
        let mut qb = Sql::<E>::new(TASK_SELECT);
        qb.push(" WHERE t.agency_id = ")
            .push_bind(actor.agency_id)
            .push(" AND t.deleted_at IS NULL");
        let on = q.on.unwrap_or(today);
        if let Some(c) = q.contact_id {
            // A record's tasks: whoever does them, if the actor sees the record.
            let mut tx = self.begin().await?;
            Self::visible_row(&mut tx, actor, c).await?;
            tx.commit().await?;
            qb.push(" AND t.contact_id = ").push_bind(c);
        } else {
            let owner = match q.owner {
                Some(o) if o != actor.user_id && !actor.sees_whole_agency() => {
                    return Err(StoreError::Forbidden(
                        "les tâches d'un autre conseiller sont réservées au chef d'agence",
                    ))
                }
                Some(o) => o,
                None => actor.user_id,
            };
            qb.push(" AND t.owner_id = ").push_bind(owner);
        }
        let scope = q.scope.unwrap_or_default();
        match scope {
            TaskScope::Due => {
                qb.push(" AND t.done_at IS NULL AND t.due_on <= ").push_bind(on);
            }
            TaskScope::Overdue => {
                qb.push(" AND t.done_at IS NULL AND t.due_on < ").push_bind(on);
            }
            TaskScope::Open => {
                qb.push(" AND t.done_at IS NULL");
            }
            TaskScope::Done => {
                qb.push(" AND t.done_at IS NOT NULL");
            }
        }
        if scope == TaskScope::Done {
            qb.push(" ORDER BY t.done_at DESC, t.id DESC");
        } else {
            qb.push(" ORDER BY t.due_on, t.priority_rank, t.id");
        }
        qb.push(" LIMIT ")
            .push_bind(i64::from(q.limit.unwrap_or(100).clamp(1, 500)));
        let rows: Vec<TaskRow> = qb.fetch_all(&mut *self.conn().await?).await?;
        rows.into_iter().map(TaskRow::into_task).collect()
    }

    async fn generate_cadence_tasks(&self, agency_id: Uuid, today: NaiveDate) -> StoreResult<u64> {
        let due: Vec<(Uuid, Uuid, Option<NaiveDate>, Option<NaiveDate>)> = sqlx::query_as(
            "SELECT c.id, c.owner_id, c.next_meeting_due, c.next_call_due FROM contacts c WHERE c.agency_id = $1 AND c.next_due <= $2 \
             AND c.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.contact_id = c.id AND t.source = 'cadence' \
             AND t.done_at IS NULL AND t.deleted_at IS NULL)",
        )
        .bind(agency_id)
        .bind(today)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut created = 0u64;
        for chunk in due.chunks(500) {
            let mut tx = self.begin().await?;
            let seq = self.next_seq(&mut tx, agency_id, 1).await?;
            let now = crate::db::now();
            for (contact_id, owner_id, meeting_due, call_due) in chunk {
                let meeting_first = match (meeting_due, call_due) {
                    (Some(m), Some(c)) => m <= c,
                    (Some(_), None) => true,
                    _ => false,
                };
                let (title, due_on) = if meeting_first {
                    (
                        "RDV de suivi à planifier (cadence du segment)",
                        meeting_due.unwrap_or(today),
                    )
                } else {
                    ("Appel de suivi (cadence du segment)", call_due.unwrap_or(today))
                };
                let task = NewTask {
                    id: shared::new_id(),
                    owner_id: *owner_id,
                    contact_id: Some(*contact_id),
                    title: title.into(),
                    notes: String::new(),
                    due_on,
                    priority: Priority::Normal,
                    source: TaskSource::Cadence,
                    source_id: None,
                };
                Self::insert_task(&mut tx, agency_id, *owner_id, &task, seq, now).await?;
                created += 1;
            }
            tx.commit().await?;
        }
        Ok(created)
    }

    async fn agency_ids(&self) -> StoreResult<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = sqlx::query_as("SELECT id FROM agencies ORDER BY id")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}
