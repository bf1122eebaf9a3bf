-- Issue 15: the agency's members (id, name, role) travel in the pull with the settings, for the
-- manager's pickers offline: adding, disabling or re-roling someone moves `settings_seq`.
-- Phones synced before get the team (and the settings again) at their next pull: a number
-- above every cursor handed out so far.
UPDATE agencies SET settings_seq = change_seq + 1, change_seq = change_seq + 1;
