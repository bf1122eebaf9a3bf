//! The prospect stages (grille d'approche, domain README §2) and the rules for moving between
//! them.
//!
//! Forward moves are one step at a time. A prospect enters either as *recensé* or as
//! *recommandé* (referred), so both lead to *qualifié*. The sources allow a prospect to be
//! "entered in the process at the level that fits" (an inbound quote request is already
//! contacted or engaged): a forward skip is therefore allowed, but only with a reason, which
//! is kept with the transition. Going back is only possible through *perdu*: a prospect who
//! signed with a competitor returns to *contacté* with the competitor recorded; a client who
//! leaves becomes a former client with the reason (exit interview) and may be approached
//! again (back to *contacté*).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

crate::wire_enum! {
    /// Where a record stands in the relationship.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum Stage {
        /// *recensé* — identified by a reliable source, duplicates removed.
        Identified = "identified",
        /// *recommandé* — referred by someone, who is linked.
        Referred = "referred",
        /// *qualifié* — address, contact name and phone validated.
        Qualified = "qualified",
        /// *contacté* — letter sent or called for an appointment; no meeting held yet.
        Contacted = "contacted",
        /// *engagé* — a meeting took place (discovery, offer review, quotes).
        Engaged = "engaged",
        /// *client* — first contract signed.
        Client = "client",
        /// *ancien client (client perdu)* — a client who left, with the reason.
        FormerClient = "former_client",
    }
}

impl Stage {
    /// The French term used in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Identified => "Recensé",
            Stage::Referred => "Recommandé",
            Stage::Qualified => "Qualifié",
            Stage::Contacted => "Contacté",
            Stage::Engaged => "Engagé",
            Stage::Client => "Client",
            Stage::FormerClient => "Ancien client",
        }
    }

    /// Position on the approach ladder; the two entry stages share rank 0.
    fn rank(self) -> u8 {
        match self {
            Stage::Identified | Stage::Referred => 0,
            Stage::Qualified => 1,
            Stage::Contacted => 2,
            Stage::Engaged => 3,
            Stage::Client => 4,
            Stage::FormerClient => 5,
        }
    }

    pub fn is_prospect(self) -> bool {
        self.rank() <= 3
    }

    /// The stages a record may be created at without a reason.
    pub fn is_entry(self) -> bool {
        matches!(self, Stage::Identified | Stage::Referred)
    }
}

/// A request to change a record's stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageChange {
    /// Move to another stage; `reason` is required for a skip.
    Move { to: Stage, reason: Option<String> },
    /// *perdu*: the prospect signed with a competitor; back to *contacté*.
    LostToCompetitor { competitor: String, reason: Option<String> },
    /// A client leaves; the reason from the exit interview is required.
    ClientLeft { reason: String, competitor: Option<String> },
}

/// What a valid change does to the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageOutcome {
    pub to: Stage,
    pub kind: TransitionKind,
    pub reason: Option<String>,
    pub competitor: Option<String>,
}

/// Kinds of transition as kept in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    Created,
    Step,
    Skip,
    Lost,
    Left,
    Reapproach,
}

impl TransitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransitionKind::Created => "created",
            TransitionKind::Step => "step",
            TransitionKind::Skip => "skip",
            TransitionKind::Lost => "lost",
            TransitionKind::Left => "left",
            TransitionKind::Reapproach => "reapproach",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use TransitionKind::*;
        [Created, Step, Skip, Lost, Left, Reapproach]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Why a stage change was refused (message in French for the advisor).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    #[error("le dossier est déjà au stade « {} »", .0.label())]
    SameStage(Stage),
    #[error("passer de « {} » à « {} » saute une étape : indiquez la raison", .from.label(), .to.label())]
    SkipNeedsReason { from: Stage, to: Stage },
    #[error("impossible de revenir de « {} » à « {} » ; utilisez « perdu » si le prospect a signé ailleurs", .from.label(), .to.label())]
    Backwards { from: Stage, to: Stage },
    #[error("seul un prospect contacté ou engagé peut être perdu au profit d'un concurrent")]
    LostNotAProspect,
    #[error("indiquez le concurrent")]
    CompetitorRequired,
    #[error("seul un client peut être déclaré parti")]
    LeftNotAClient,
    #[error("indiquez la raison du départ")]
    ReasonRequired,
    #[error("un dossier ne peut pas être créé directement au stade « {} » sans raison", .0.label())]
    EntryNeedsReason(Stage),
}

fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(500).collect())
}

/// Checks a change from `from` and says what it does.
pub fn apply(from: Stage, change: &StageChange) -> Result<StageOutcome, StageError> {
    match change {
        StageChange::Move { to, reason } => {
            let to = *to;
            let reason = clean(reason.as_deref());
            if to == from {
                return Err(StageError::SameStage(from));
            }
            if from == Stage::FormerClient && to == Stage::Contacted {
                return Ok(StageOutcome {
                    to,
                    kind: TransitionKind::Reapproach,
                    reason,
                    competitor: None,
                });
            }
            if to == Stage::FormerClient || from == Stage::FormerClient {
                return Err(StageError::Backwards { from, to });
            }
            // Recensé → recommandé: someone referred a prospect we had already identified.
            if from == Stage::Identified && to == Stage::Referred {
                return Ok(StageOutcome {
                    to,
                    kind: TransitionKind::Step,
                    reason,
                    competitor: None,
                });
            }
            if to.rank() <= from.rank() {
                return Err(StageError::Backwards { from, to });
            }
            if to.rank() == from.rank() + 1 {
                Ok(StageOutcome {
                    to,
                    kind: TransitionKind::Step,
                    reason,
                    competitor: None,
                })
            } else if reason.is_some() {
                Ok(StageOutcome {
                    to,
                    kind: TransitionKind::Skip,
                    reason,
                    competitor: None,
                })
            } else {
                Err(StageError::SkipNeedsReason { from, to })
            }
        }
        StageChange::LostToCompetitor { competitor, reason } => {
            if !matches!(from, Stage::Contacted | Stage::Engaged) {
                return Err(StageError::LostNotAProspect);
            }
            let competitor = clean(Some(competitor)).ok_or(StageError::CompetitorRequired)?;
            Ok(StageOutcome {
                to: Stage::Contacted,
                kind: TransitionKind::Lost,
                reason: clean(reason.as_deref()),
                competitor: Some(competitor),
            })
        }
        StageChange::ClientLeft { reason, competitor } => {
            if from != Stage::Client {
                return Err(StageError::LeftNotAClient);
            }
            let reason = clean(Some(reason)).ok_or(StageError::ReasonRequired)?;
            Ok(StageOutcome {
                to: Stage::FormerClient,
                kind: TransitionKind::Left,
                reason: Some(reason),
                competitor: clean(competitor.as_deref()),
            })
        }
    }
}

/// Checks the stage a new record is created at: an entry stage, or a later one with a reason
/// (an inbound request entered "at the level that fits").
pub fn check_entry(stage: Stage, reason: Option<&str>) -> Result<TransitionKind, StageError> {
    if stage.is_entry() {
        Ok(TransitionKind::Created)
    } else if stage == Stage::FormerClient {
        Err(StageError::EntryNeedsReason(stage))
    } else if clean(reason).is_some() {
        Ok(TransitionKind::Created)
    } else {
        Err(StageError::EntryNeedsReason(stage))
    }
}

/// One dated line of a record's stage history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageTransition {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub kind: TransitionKind,
    pub reason: Option<String>,
    pub competitor: Option<String>,
    pub at: DateTime<Utc>,
    pub author_id: Uuid,
    pub author_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mv(to: Stage) -> StageChange {
        StageChange::Move { to, reason: None }
    }

    #[test]
    fn each_stage_moves_one_step_forward() {
        for (a, b) in [
            (Stage::Identified, Stage::Qualified),
            (Stage::Referred, Stage::Qualified),
            (Stage::Qualified, Stage::Contacted),
            (Stage::Contacted, Stage::Engaged),
            (Stage::Engaged, Stage::Client),
        ] {
            assert_eq!(apply(a, &mv(b)).unwrap().kind, TransitionKind::Step, "{a:?}→{b:?}");
        }
    }

    #[test]
    fn a_skip_needs_a_reason_which_is_kept() {
        assert_eq!(
            apply(Stage::Qualified, &mv(Stage::Engaged)),
            Err(StageError::SkipNeedsReason {
                from: Stage::Qualified,
                to: Stage::Engaged
            })
        );
        let out = apply(
            Stage::Identified,
            &StageChange::Move {
                to: Stage::Engaged,
                reason: Some(" demande de devis entrante ".into()),
            },
        )
        .unwrap();
        assert_eq!(out.kind, TransitionKind::Skip);
        assert_eq!(out.reason.as_deref(), Some("demande de devis entrante"));
        // A blank reason is no reason.
        assert!(apply(
            Stage::Identified,
            &StageChange::Move {
                to: Stage::Client,
                reason: Some("   ".into())
            }
        )
        .is_err());
    }

    #[test]
    fn lost_prospect_returns_to_contacted_with_competitor() {
        let out = apply(
            Stage::Engaged,
            &StageChange::LostToCompetitor {
                competitor: "AXA".into(),
                reason: None,
            },
        )
        .unwrap();
        assert_eq!(out.to, Stage::Contacted);
        assert_eq!(out.kind, TransitionKind::Lost);
        assert_eq!(out.competitor.as_deref(), Some("AXA"));
        assert_eq!(
            apply(
                Stage::Engaged,
                &StageChange::LostToCompetitor {
                    competitor: " ".into(),
                    reason: None
                }
            ),
            Err(StageError::CompetitorRequired)
        );
        assert_eq!(
            apply(
                Stage::Identified,
                &StageChange::LostToCompetitor {
                    competitor: "AXA".into(),
                    reason: None
                }
            ),
            Err(StageError::LostNotAProspect)
        );
    }

    #[test]
    fn a_client_who_leaves_needs_a_reason_and_can_be_approached_again() {
        assert_eq!(
            apply(
                Stage::Client,
                &StageChange::ClientLeft {
                    reason: "".into(),
                    competitor: None
                }
            ),
            Err(StageError::ReasonRequired)
        );
        let out = apply(
            Stage::Client,
            &StageChange::ClientLeft {
                reason: "tarif".into(),
                competitor: Some("MAIF".into()),
            },
        )
        .unwrap();
        assert_eq!(out.to, Stage::FormerClient);
        assert_eq!(
            apply(Stage::FormerClient, &mv(Stage::Contacted)).unwrap().kind,
            TransitionKind::Reapproach
        );
        assert!(apply(Stage::FormerClient, &mv(Stage::Client)).is_err());
    }

    #[test]
    fn going_back_is_refused() {
        assert!(matches!(
            apply(Stage::Engaged, &mv(Stage::Qualified)),
            Err(StageError::Backwards { .. })
        ));
        assert!(matches!(
            apply(Stage::Client, &mv(Stage::FormerClient)),
            Err(StageError::Backwards { .. })
        ));
        assert_eq!(
            apply(Stage::Client, &mv(Stage::Client)),
            Err(StageError::SameStage(Stage::Client))
        );
    }

    #[test]
    fn records_start_at_an_entry_stage_unless_a_reason_is_given() {
        assert!(check_entry(Stage::Identified, None).is_ok());
        assert!(check_entry(Stage::Referred, None).is_ok());
        assert!(check_entry(Stage::Client, None).is_err());
        assert!(check_entry(Stage::Client, Some("client repris d'un confrère")).is_ok());
        assert!(check_entry(Stage::FormerClient, Some("x")).is_err());
    }

    fn any_stage() -> impl Strategy<Value = Stage> {
        proptest::sample::select(Stage::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn accepted_moves_never_go_back_except_through_loss_or_reapproach(from in any_stage(), to in any_stage(), reason in proptest::option::of("[a-z ]{0,10}")) {
            if let Ok(out) = apply(from, &StageChange::Move { to, reason }) {
                prop_assert_eq!(out.to, to);
                prop_assert!(to.rank() > from.rank() || from == Stage::FormerClient || (from, to) == (Stage::Identified, Stage::Referred));
                if out.kind == TransitionKind::Skip { prop_assert!(out.reason.is_some()); }
            }
        }

        #[test]
        fn stage_names_round_trip(s in any_stage()) {
            prop_assert_eq!(Stage::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            prop_assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }
}
