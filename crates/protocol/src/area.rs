//! The area hierarchy: a country, its regions, their districts (any deeper level counts as a
//! district). Polling stations are the leaves: a station is named inside its area by
//! [`crate::StationResult`], not stored here, because a national set has 100,000 of them.

use std::collections::HashMap;

/// The level of an area in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AreaLevel {
    Country,
    Region,
    District,
}

impl AreaLevel {
    pub fn name(self) -> &'static str {
        match self {
            AreaLevel::Country => "country",
            AreaLevel::Region => "region",
            AreaLevel::District => "district",
        }
    }
}

/// An area's index in its [`AreaTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaId(pub u32);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub name: String,
    pub level: AreaLevel,
    pub parent: Option<AreaId>,
    /// 0 for the country, 1 for a region, 2 and more for districts.
    pub depth: u32,
}

/// All areas of an election, the country first. Areas are only ever added, so an [`AreaId`]
/// stays valid.
#[derive(Debug, Clone)]
pub struct AreaTree {
    areas: Vec<Area>,
    children: HashMap<AreaId, HashMap<String, AreaId>>,
}

impl AreaTree {
    pub fn new(country: &str) -> Self {
        let root = Area {
            name: country.to_owned(),
            level: AreaLevel::Country,
            parent: None,
            depth: 0,
        };
        AreaTree {
            areas: vec![root],
            children: HashMap::new(),
        }
    }

    pub fn root(&self) -> AreaId {
        AreaId(0)
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn get(&self, id: AreaId) -> &Area {
        &self.areas[id.0 as usize]
    }

    pub fn name(&self, id: AreaId) -> &str {
        &self.areas[id.0 as usize].name
    }

    /// The child of `parent` called `name`, created when it does not exist yet.
    pub fn child(&mut self, parent: AreaId, name: &str) -> AreaId {
        if let Some(id) = self.find_child(parent, name) {
            return id;
        }
        let depth = self.get(parent).depth + 1;
        let level = if depth == 1 {
            AreaLevel::Region
        } else {
            AreaLevel::District
        };
        let id = AreaId(self.areas.len() as u32);
        self.areas.push(Area {
            name: name.to_owned(),
            level,
            parent: Some(parent),
            depth,
        });
        self.children
            .entry(parent)
            .or_default()
            .insert(name.to_owned(), id);
        id
    }

    pub fn find_child(&self, parent: AreaId, name: &str) -> Option<AreaId> {
        self.children
            .get(&parent)
            .and_then(|names| names.get(name))
            .copied()
    }

    /// Follows a path of names below the country, creating missing areas. A path whose first
    /// name is the country's own name starts at the country.
    pub fn path_to(&mut self, names: &[&str]) -> AreaId {
        let mut names = names;
        if names
            .first()
            .is_some_and(|first| *first == self.areas[0].name)
        {
            names = &names[1..];
        }
        let mut id = self.root();
        for name in names {
            id = self.child(id, name);
        }
        id
    }

    /// The names from the country down to `id`.
    pub fn path(&self, id: AreaId) -> Vec<&str> {
        let mut names = Vec::new();
        let mut current = Some(id);
        while let Some(area) = current {
            names.push(self.name(area));
            current = self.get(area).parent;
        }
        names.reverse();
        names
    }

    /// The path below the country joined with " / " ("Nur-Sultan" or "Moscow / District 5").
    pub fn display(&self, id: AreaId) -> String {
        let path = self.path(id);
        if path.len() == 1 {
            path[0].to_owned()
        } else {
            path[1..].join(" / ")
        }
    }

    /// The ancestor of `id` (or `id` itself) at `depth`, if `id` is that deep.
    pub fn ancestor_at_depth(&self, id: AreaId, depth: u32) -> Option<AreaId> {
        let mut current = id;
        loop {
            let area = self.get(current);
            if area.depth == depth {
                return Some(current);
            }
            if area.depth < depth {
                return None;
            }
            current = area.parent?;
        }
    }

    /// The region that `id` lies in (or `id` itself when it is a region).
    pub fn region_of(&self, id: AreaId) -> Option<AreaId> {
        self.ancestor_at_depth(id, 1)
    }

    /// Whether `id` is `ancestor` or lies inside it.
    pub fn is_within(&self, id: AreaId, ancestor: AreaId) -> bool {
        let depth = self.get(ancestor).depth;
        self.ancestor_at_depth(id, depth) == Some(ancestor)
    }
}
