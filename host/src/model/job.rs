//! The unit of work of a scan: one user's (or home's) [`Job`] — whose home, which locations, and
//! how its folders are spelled ([`Folders`]).

use super::{Listed, Location, Orphan, Principal, Trees, UserRow};

/// One scan for the scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Username (home directory name; a service principal's application id).
    pub user: String,
    /// Trees to scan (an orphan only where its home was listed).
    pub trees: Trees,
    /// Mark the row as an orphaned home (or one of unknown status).
    pub orphan: Orphan,
    /// Whose home it is.
    pub principal: Principal,
    /// A service principal's display name, for its row.
    pub display_name: Option<String>,
    /// Trees (of `trees`) where `/Users` does not list the home: recorded as no home, not
    /// requested ([`crate::feed::HomeIndex`]). A Spark worker is not told: it probes them.
    pub no_home: Trees,
    /// The home folders' own spelling where it differs from `user` in letter case (Databricks
    /// names a folder exactly as its user was created; `/Users` says how): the folders scanned,
    /// while the row keeps `user`.
    pub folders: Folders,
}

/// A folder's spelling per location, where it differs from the username given (`None`: the
/// same).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folders {
    spellings: [Option<String>; 4],
}

impl Folders {
    fn index(l: Location) -> usize {
        Location::ALL.iter().position(|x| *x == l).expect("a location")
    }

    /// The spelling of `l`'s folder, if it differs.
    pub fn get(&self, l: Location) -> Option<&str> {
        self.spellings[Self::index(l)].as_deref()
    }

    /// Sets `l`'s spelling.
    pub fn set(&mut self, l: Location, spelling: Option<String>) {
        self.spellings[Self::index(l)] = spelling;
    }

    /// True when every folder has the user's own spelling.
    pub fn is_same(&self) -> bool {
        self.spellings.iter().all(Option::is_none)
    }
}

impl Job {
    /// A plain user scan.
    pub fn user(user: String, trees: Trees) -> Job {
        Job {
            user,
            trees,
            orphan: Orphan::No,
            principal: Principal::User,
            display_name: None,
            no_home: Trees::NONE,
            folders: Folders::default(),
        }
    }

    /// The scan of a listed principal's home (a user or a service principal), not an orphan.
    pub fn listed(p: &Listed, trees: Trees) -> Job {
        Job {
            user: p.name.clone(),
            trees,
            orphan: Orphan::No,
            principal: p.principal,
            display_name: p
                .display_name
                .clone()
                .filter(|_| p.principal == Principal::ServicePrincipal),
            no_home: Trees::NONE,
            folders: Folders::default(),
        }
    }

    /// The scans to run for this job: each folder name with the locations to scan under it (one
    /// scan, unless the locations spell the folder differently). Locations known to have no
    /// folder are left out; with none left, one scan of no location (the scanner still checks
    /// the name).
    pub fn scans(&self) -> Vec<(String, Trees)> {
        let trees = self.trees.without(self.no_home);
        let mut scans: Vec<(String, Trees)> = Vec::new();
        for l in trees.locations() {
            let name = self.folders.get(l).unwrap_or(&self.user);
            match scans.iter_mut().find(|(n, _)| n == name) {
                Some((_, t)) => *t = t.with(l, true),
                None => scans.push((name.to_string(), Trees::only(l))),
            }
        }
        if scans.is_empty() {
            scans.push((self.user.clone(), Trees::NONE));
        }
        scans
    }

    /// Puts what the job knows about the home's owner on its row (the row of a local scan or of
    /// a Spark executor's).
    pub fn mark(&self, row: &mut UserRow) {
        row.orphan = self.orphan;
        row.principal = self.principal;
        row.display_name = self.display_name.clone();
    }
}
