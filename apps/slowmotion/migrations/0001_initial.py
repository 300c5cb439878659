# SlowMotionJob moved here from the jobs app. Its table keeps its name (jobs_slowmotionjob) and
# its rows; only Django's model state and the admin's content type move.
import django.db.models.deletion
from django.db import migrations, models


def content_type_to(app_label: str, from_label: str):
    def move(apps, schema_editor):
        content_type = apps.get_model('contenttypes', 'ContentType')
        moved = content_type.objects.filter(app_label=from_label, model='slowmotionjob')
        if content_type.objects.filter(app_label=app_label, model='slowmotionjob').exists():
            moved.delete()  # a stale duplicate: the one already in place keeps its permissions
        else:
            moved.update(app_label=app_label)
    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('jobs', '0005_kinds_move_to_their_apps'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SlowMotionJob',
                    fields=[
                        ('job_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='jobs.job')),
                        ('slowdown_factor', models.PositiveSmallIntegerField(choices=[(2, '2×'), (4, '4×'), (8, '8×')], default=2)),
                        ('quality', models.CharField(choices=[('480p', '480p'), ('720p', '720p'), ('1080p', '1080p')], default='720p', max_length=8)),
                        ('mode', models.CharField(choices=[('slowmo', 'Slow motion (N× longer)'), ('fps', 'FPS boost (same length, N× frame rate)')], default='slowmo', max_length=8)),
                        ('duration_seconds', models.FloatField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'jobs_slowmotionjob',
                    },
                    bases=('jobs.job',),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to('slowmotion', 'jobs'), content_type_to('jobs', 'slowmotion')),
    ]
