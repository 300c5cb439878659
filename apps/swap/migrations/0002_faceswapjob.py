# FaceSwapJob moved here from the jobs app. Its table keeps its name (jobs_faceswapjob) and its
# rows; only Django's model state and the admin's content type move.
import django.db.models.deletion
from django.db import migrations, models


def content_type_to(app_label: str, from_label: str):
    def move(apps, schema_editor):
        content_type = apps.get_model('contenttypes', 'ContentType')
        moved = content_type.objects.filter(app_label=from_label, model='faceswapjob')
        if content_type.objects.filter(app_label=app_label, model='faceswapjob').exists():
            moved.delete()  # a stale duplicate: the one already in place keeps its permissions
        else:
            moved.update(app_label=app_label)
    return move


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('jobs', '0005_kinds_move_to_their_apps'),
        ('swap', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='FaceSwapJob',
                    fields=[
                        ('job_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='jobs.job')),
                        ('name', models.CharField(blank=True, max_length=20)),
                        ('description', models.CharField(blank=True, max_length=20)),
                        ('gquality', models.CharField(choices=[('480p', '480p'), ('720p', '720p'), ('1080p', '1080p')], default='720p', max_length=8)),
                        ('enhance', models.BooleanField(default=False)),
                        ('multi', models.BooleanField(default=False)),
                        ('media_type', models.CharField(choices=[('video', 'Video'), ('image', 'Image')], default='video', max_length=8)),
                        ('duration_seconds', models.FloatField(blank=True, null=True)),
                        ('analysis', models.JSONField(blank=True, default=list)),
                        ('face_selection', models.CharField(choices=[('reference', 'The main person (most prominent face of the first frame)'), ('all', 'Every face')], default='reference', max_length=16)),
                    ],
                    options={
                        'db_table': 'jobs_faceswapjob',
                    },
                    bases=('jobs.job',),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to('swap', 'jobs'), content_type_to('jobs', 'swap')),
    ]
